import Foundation
import IR
import NumPy
import XCTest

/// `workbench build`, `run --loadEngine` and `score --loadEngine`, end to end on the
/// committed generated fixtures (`Tests/Fixtures/generated`): plans, timing caches,
/// outputs against ONNX Runtime's, the score table, and one-line errors.
final class EngineCommandTests: CLITestCase {
    private static let wenetInputs = ["speech", "speech_lengths"]
    private static let wenetOutputs = ["encoder_out", "encoder_out_lens"]

    // MARK: build

    func testBuildTwoProfilesWritesPlanAndTimingCacheThatTheSecondBuildReuses() throws {
        let first = try buildEngine("wenet-tiny", profiles: EngineFixtures.wenetProfiles, plan: "w.plan",
                                    ["--timingCacheFile", "timing.cache"])
        XCTAssertTrue(first.stdout.hasPrefix("Engine: w.plan ("), first.stdout)
        XCTAssertTrue(first.stdout.contains("\nProfile 0: arena "), first.stdout)
        XCTAssertTrue(first.stdout.contains("\nProfile 1: arena "), first.stdout)
        XCTAssertFalse(first.stdout.contains("Profile 2:"), first.stdout)
        let plan = try Data(contentsOf: url("w.plan"))
        XCTAssertEqual(Array(plan.prefix(7)), [0x89] + Array("WBPLAN".utf8), "the plan's magic")
        let cache = try Data(contentsOf: url("timing.cache"))
        XCTAssertFalse(cache.isEmpty)
        // "Built in 0.53 s; 8 tactic measurements, timing cache holds 8"
        let summary = try XCTUnwrap(first.stdout.split(separator: "\n").last.map(String.init))
        let numbers = summary.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let (measured, entries) = (numbers[numbers.count - 2], numbers[numbers.count - 1])
        XCTAssertTrue(summary.hasSuffix("tactic measurements, timing cache holds \(entries)"), summary)
        XCTAssertGreaterThan(measured, 0, summary)
        XCTAssertGreaterThan(entries, 0, summary)

        let second = try buildEngine("wenet-tiny", profiles: EngineFixtures.wenetProfiles, plan: "w2.plan",
                                     ["--timingCacheFile", "timing.cache", "--json"])
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(report["tacticMeasurements"] as? Int, 0, "every tactic came from the cache: \(second.stdout)")
        XCTAssertEqual(report["timingCacheEntries"] as? Int, entries)
        XCTAssertEqual((report["profiles"] as? [Any])?.count, 2)
        XCTAssertEqual(report["plan"] as? String, "w2.plan")
        XCTAssertEqual(report["planBytes"] as? Int, try Data(contentsOf: url("w2.plan")).count)
    }

    func testVerboseBuildListsTheTacticOfEveryLayerPerProfile() throws {
        let r = try buildEngine("wenet-tiny", profiles: EngineFixtures.wenetProfiles, plan: "w.plan", ["--verbose", "--json"])
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let runLayers = try XCTUnwrap(report["layers"] as? Int) - XCTUnwrap(report["shapeLayers"] as? Int)
        XCTAssertGreaterThan(runLayers, 0)
        // "[V] profile 0 layer Add_55_Linear [Linear]: gemm.openblas"
        var tactics: [Int: [String: String]] = [:]
        for line in r.stderr.split(separator: "\n") where line.hasPrefix("[V] profile ") && line.contains(" layer ") {
            let words = line.split(separator: " ")
            guard words.count >= 7, let profile = Int(words[2]), words[3] == "layer", words[5].hasSuffix("]:") else {
                XCTFail("malformed tactic line: \(line)")
                continue
            }
            tactics[profile, default: [:]][String(words[4])] = String(words[6])
        }
        XCTAssertEqual(tactics.keys.sorted(), [0, 1], r.stderr)
        XCTAssertEqual(tactics[0]?.count, runLayers, "one line per run-stage layer in profile 0")
        XCTAssertEqual(tactics[1]?.count, runLayers, "one line per run-stage layer in profile 1")
        XCTAssertEqual(Set(tactics[0].map { Array($0.keys) } ?? []), Set(tactics[1].map { Array($0.keys) } ?? []))
        XCTAssertTrue(tactics[0]?.values.contains { $0.hasPrefix("gemm.") } ?? false, "\(tactics[0] ?? [:])")
        XCTAssertTrue(r.stderr.contains("[V] profile 1: arena "), r.stderr)
    }

    // MARK: run --loadEngine

    func testRunEngineOutputsMatchOnnxRuntimeWithProfileAndLatency() throws {
        try buildEngine("wenet-tiny", profiles: EngineFixtures.wenetProfiles, plan: "w.plan")
        try writeFixtureInputs("wenet-tiny", names: Self.wenetInputs, to: "in.npz")
        let r = try workbench("run", "--loadEngine", "w.plan", "--loadInputs", "in.npz", "--exportOutput", "out.npz",
                              "--dumpProfile", "--iterations", "2", "--warmUp", "1")
        XCTAssertEqual(r.status, 0, r.stderr)
        try assertClose(try NumPy.readArchive(contentsOf: url("out.npz")), try EngineFixtures.archive("wenet-tiny"),
                        outputs: Self.wenetOutputs)
        XCTAssertTrue(r.stdout.contains("encoder_out: float32 [3, 10, 32] | mean="), r.stdout)
        XCTAssertTrue(r.stdout.contains("\nProfile: 0\n"), r.stdout)
        let latency = r.stdout.split(separator: "\n").first { $0.hasPrefix("Latency: min = ") }
        XCTAssertNotNil(latency, r.stdout)
        for part in ["max = ", "mean = ", "median = ", "percentile(90%) = ", "percentile(99%) = "] {
            XCTAssertTrue(latency?.contains(part) ?? false, "'\(part)' missing from \(latency ?? "")")
        }
        // "    0.0614   0.22  Add_55_Linear  [Linear: gemm.openblas]", then the total.
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let header = try XCTUnwrap(lines.firstIndex(of: "Layer times (average over timed runs):"), r.stdout)
        let rows = lines[(header + 2)...].filter { $0.hasSuffix("]") }
        XCTAssertGreaterThan(rows.count, 10, r.stdout)
        for row in rows {
            let words = row.split(separator: " ")
            XCTAssertNotNil(Double(words[0]), row)
            XCTAssertNotNil(Double(words[1]), row)
            XCTAssertTrue(row.contains("  [") && row.contains(": "), row)
        }
        XCTAssertTrue(lines.last?.hasSuffix(" 100.00  total") ?? false, r.stdout)
    }

    func testBertEngineOutputsMatchOnnxRuntime() throws {
        try buildEngine("bert-tiny", profiles: EngineFixtures.bertProfile, plan: "b.plan")
        try writeFixtureInputs("bert-tiny", names: ["input_ids", "attention_mask", "token_type_ids"], to: "in.npz")
        let r = try workbench("run", "--loadEngine", "b.plan", "--loadInputs", "in.npz", "--exportOutput", "out.npz",
                              "--iterations", "1", "--warmUp", "0", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        try assertClose(try NumPy.readArchive(contentsOf: url("out.npz")), try EngineFixtures.archive("bert-tiny"),
                        outputs: ["last_hidden_state"])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["profile"] as? Int, 0)
        XCTAssertNotNil((object["latency"] as? [String: Any])?["p99Ms"] as? Double, r.stdout)
    }

    func testSecondProfileRunsShapesBeyondTheFirst() throws {
        try buildEngine("wenet-tiny", profiles: EngineFixtures.wenetProfiles, plan: "w.plan")
        let r = try workbench("run", "--loadEngine", "w.plan", "--shapes", "speech:2x100x80", "--iterations", "1",
                              "--warmUp", "0")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\nProfile: 1\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("encoder_out: float32 [2, "), r.stdout)
    }

    // MARK: score --loadEngine

    func testScoreGoodThenBadWithAPerturbedReference() throws {
        try buildEngine("wenet-tiny", profiles: EngineFixtures.wenetProfiles, plan: "w.plan")
        var data = try EngineFixtures.archive("wenet-tiny")
        for name in ["good", "bad"] {
            try FileManager.default.createDirectory(at: url(name), withIntermediateDirectories: true)
        }
        try NumPy.writeArchive(data, to: url("good/encoder-3-45.npz"))
        let good = try workbench("score", "--loadEngine", "w.plan", "--data", "good", "--iterations", "1", "--warmUp", "0")
        XCTAssertEqual(good.status, 0, good.stderr)
        let goodRow = good.stdout.split(separator: "\n").first { $0.hasPrefix("   3,  45,") }
        XCTAssertTrue(goodRow?.hasSuffix(", Good") ?? false, good.stdout)
        XCTAssertTrue(good.stdout.contains("1/1 cells Good"), good.stdout)

        let out = try XCTUnwrap(data["encoder_out"])
        data["encoder_out"] = Tensor(try XCTUnwrap(out.floats).map { $0 + 0.5 }, shape: out.shape)
        try NumPy.writeArchive(data, to: url("bad/encoder-3-45.npz"))
        let bad = try workbench("score", "--loadEngine", "w.plan", "--data", "bad", "--iterations", "1", "--warmUp", "0")
        XCTAssertEqual(bad.status, 2, bad.stderr)
        let badRow = bad.stdout.split(separator: "\n").first { $0.hasPrefix("   3,  45,") }
        XCTAssertTrue(badRow?.hasSuffix(", Bad") ?? false, bad.stdout)
        XCTAssertTrue(bad.stdout.contains("0/1 cells Good"), bad.stdout)
        XCTAssertFalse(bad.stderr.contains("error:"), "Bad cells are a result, not an error: \(bad.stderr)")
    }

    // MARK: errors

    func testShapeOutsideEveryProfileNamesInputDimAndRange() throws {
        try buildEngine("wenet-tiny", profiles: EngineFixtures.wenetProfiles, plan: "w.plan")
        assertFails(try workbench("run", "--loadEngine", "w.plan", "--shapes", "speech:1x200x80"),
                    mentioning: ["'speech'", "dim 1", "is 200", "16...64"])
        try writeInputs("big.npz", [("speech", Tensor([Float](repeating: 0, count: 8 * 30 * 80), shape: [8, 30, 80])),
                                    ("speech_lengths", Tensor([Int32](repeating: 30, count: 8), shape: [8]))])
        assertFails(try workbench("run", "--loadEngine", "w.plan", "--loadInputs", "big.npz"),
                    mentioning: ["'speech'", "dim 0", "is 8", "1...4"])
    }

    func testTruncatedPlan() throws {
        try buildEngine("bert-tiny", profiles: EngineFixtures.bertProfile, plan: "b.plan")
        let bytes = try Data(contentsOf: url("b.plan"))
        try bytes.prefix(bytes.count / 2).write(to: url("cut.plan"))
        assertFails(try workbench("run", "--loadEngine", "cut.plan", "--shapes", "input_ids:1x8"),
                    mentioning: ["cut.plan", "truncated", "\(bytes.count / 2)", "\(bytes.count)"])
    }

    func testOnnxFileGivenAsPlanIsNamedForeign() throws {
        try FileManager.default.copyItem(atPath: EngineFixtures.model("wenet-tiny"), toPath: url("model.plan").path)
        assertFails(try workbench("run", "--loadEngine", "model.plan", "--shapes", "speech:1x20x80"),
                    mentioning: ["model.plan", "not a workbench plan", "ONNX"])
    }

    func testBuildWithMinAboveMax() throws {
        let r = try workbench("build", "--onnx", EngineFixtures.model("wenet-tiny"), "--minShapes", "speech:4x16x80",
                              "--optShapes", "speech:2x45x80", "--maxShapes", "speech:1x64x80", "--saveEngine", "w.plan")
        assertBuildFails(r, mentioning: ["profile 0", "'speech'", "dim 0", "4, 2, 1"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: url("w.plan").path), "no plan after a failed build")
    }

    func testBuildWithUnknownInputInMinShapes() throws {
        let r = try workbench("build", "--onnx", EngineFixtures.model("wenet-tiny"), "--minShapes", "spech:1x16x80",
                              "--optShapes", "speech:2x45x80", "--maxShapes", "speech:4x64x80", "--saveEngine", "w.plan")
        // The flag named is the one the user gave: `build` has no --shapes option.
        assertBuildFails(r, mentioning: ["'spech'", "--minShapes", "speech, speech_lengths"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: url("w.plan").path), "no plan after a failed build")
    }

    func testRunWithBothOnnxAndEngine() throws {
        try buildEngine("bert-tiny", profiles: EngineFixtures.bertProfile, plan: "b.plan")
        assertFails(try workbench("run", "--onnx", EngineFixtures.model("bert-tiny"), "--loadEngine", "b.plan"),
                    mentioning: ["--onnx", "--loadEngine", "one of them"])
    }
}
