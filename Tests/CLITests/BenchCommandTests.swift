import Foundation
import NumPy
import XCTest
import _TestSupport

/// `workbench blas`, the OpenBLAS core selection at startup, and `workbench bench-server`.
final class BenchCommandTests: CLITestCase {
    /// Runs `workbench` with extra environment variables and, optionally, text on stdin.
    func workbench(_ arguments: [String], environment: [String: String] = [:], removing: [String] = [],
                   stdin: String? = nil) throws -> CLI.Result {
        var env = ProcessInfo.processInfo.environment
        for key in removing + ["OPENBLAS_CORETYPE", "WORKBENCH_BLAS_CORETYPE"] { env[key] = nil }
        env.merge(environment) { $1 }
        return try WorkbenchBinary.run(arguments, in: directory, environment: env, stdin: stdin ?? "")
    }

    /// `blas --info --json`'s core and how it was chosen.
    func core(_ extra: [String] = [], environment: [String: String] = [:]) throws -> (core: String, request: String) {
        let r = try workbench(["blas", "--info", "--json"] + extra, environment: environment)
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        return (try XCTUnwrap(json["blasCore"] as? String), try XCTUnwrap(json["coreTypeRequest"] as? String))
    }

    func testEnvironmentCoreTypeIsIgnoredUnlessAskedFor() throws {
        let detected = try core()
        XCTAssertEqual(detected.request, "detected")
        XCTAssertNotEqual(detected.core, "Sandybridge", "this test needs a CPU newer than Sandy Bridge")

        // OPENBLAS_CORETYPE alone: the workbench re-executes itself without it.
        let ignored = try core(environment: ["OPENBLAS_CORETYPE": "Sandybridge"])
        XCTAssertEqual(ignored.core, detected.core)
        XCTAssertTrue(ignored.request.contains("OPENBLAS_CORETYPE=Sandybridge"), ignored.request)
        // Set but empty makes OpenBLAS fall back to a default core: ignored too.
        XCTAssertEqual(try core(environment: ["OPENBLAS_CORETYPE": ""]).core, detected.core)

        // Asked for, by option (before or after the subcommand's own) or by the workbench's variable.
        XCTAssertEqual(try core(["--blasCoreType", "Sandybridge"]).core, "Sandybridge")
        XCTAssertEqual(try core(["--blasCoreType=Sandybridge"], environment: ["OPENBLAS_CORETYPE": "Haswell"]).core,
                       "Sandybridge")
        let byVariable = try core(environment: ["WORKBENCH_BLAS_CORETYPE": "Sandybridge"])
        XCTAssertEqual(byVariable.core, "Sandybridge")
        XCTAssertTrue(byVariable.request.contains("requested"), byVariable.request)
        // The environment already matches the request: no re-exec needed, same answer.
        XCTAssertEqual(try core(["--blasCoreType", "Sandybridge"], environment: ["OPENBLAS_CORETYPE": "Sandybridge"]).core,
                       "Sandybridge")
    }

    func testVerboseSaysWhichCoreRuns() throws {
        let r = try workbench(["inspect", "tiny.onnx", "--verbose"], environment: ["OPENBLAS_CORETYPE": "Sandybridge"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let line = try XCTUnwrap(r.stderr.split(separator: "\n").first { $0.hasPrefix("[V] OpenBLAS core: ") }, r.stderr)
        XCTAssertFalse(line.hasPrefix("[V] OpenBLAS core: Sandybridge"), String(line))
        XCTAssertTrue(line.contains("OPENBLAS_CORETYPE=Sandybridge from the environment ignored"), String(line))
    }

    func testBLASMeasuresEveryShape() throws {
        let r = try workbench(["blas", "--shape", "33x17x9", "--sgemm", "24", "--threads", "1", "--iterations", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let results = try XCTUnwrap(json["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 2)
        let shapes = results.compactMap { $0["shape"] as? [String: Int] }.map { [$0["m"]!, $0["n"]!, $0["k"]!] }
        XCTAssertEqual(shapes, [[24, 24, 24], [33, 17, 9]])
        for result in results { XCTAssertGreaterThan(try XCTUnwrap(result["gflops"] as? Double), 0) }
        XCTAssertEqual(json["threads"] as? Int, 1)
    }

    func testBLASColdWeightsTimesBothKernels() throws {
        let r = try workbench(["blas", "--shape", "8x16x32", "--kernel", "all", "--coldWeights", "--threads", "1",
                               "--iterations", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["coldWeights"] as? Bool, true)
        let results = try XCTUnwrap(json["results"] as? [[String: Any]])
        XCTAssertEqual(results.compactMap { $0["kernel"] as? String }.sorted(), ["openblas", "packed"])
        for result in results { XCTAssertGreaterThan(try XCTUnwrap(result["gflops"] as? Double), 0) }
    }

    func testBLASRejectsBadShapes() throws {
        assertFails(try workbench(["blas", "--shape", "4x4"]), mentioning: ["--shape", "'4x4'"])
        assertFails(try workbench(["blas", "--threads", "0"]), mentioning: ["--threads"])
    }

    func testBenchServerAnswersEachRequestAndSurvivesBadOnes() throws {
        try buildEngine("wenet-tiny", profiles: EngineFixtures.wenetProfiles, plan: "w.plan")
        let names = ["speech", "speech_lengths"]
        try writeFixtureInputs("wenet-tiny", names: names, to: "in.npz")
        let requests = [
            #"{"inputs": "in.npz", "iterations": 3, "warmUp": 1, "saveOutputs": "out.npz"}"#,
            "not json",
            #"{"inputs": "missing.npz"}"#,
            #"{"inputs": "in.npz", "iterations": 0}"#,
            #"{"inputs": "in.npz", "iterations": 2}"#,
            #"{"quit": true}"#,
            #"{"inputs": "in.npz"}"#,  // after quit: never answered
        ]
        let r = try workbench(["bench-server", "--loadEngine", "w.plan"], stdin: requests.joined(separator: "\n") + "\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        let replies = try r.stdout.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], String($0))
        }
        XCTAssertEqual(replies.count, 6, r.stdout)
        XCTAssertEqual(replies[0]["ready"] as? Bool, true)
        XCTAssertEqual(replies[0]["inputs"] as? [String], names)
        XCTAssertEqual((replies[1]["timesMs"] as? [Double])?.count, 3)
        XCTAssertEqual(replies[1]["profile"] as? Int, 0)
        XCTAssertGreaterThan(try XCTUnwrap(replies[1]["maxResidentBytes"] as? Int), 0)
        XCTAssertTrue((replies[2]["error"] as? String)?.contains("not valid JSON") ?? false, "\(replies[2])")
        XCTAssertTrue((replies[3]["error"] as? String)?.contains("missing.npz") ?? false, "\(replies[3])")
        XCTAssertTrue((replies[4]["error"] as? String)?.contains("\"iterations\"") ?? false, "\(replies[4])")
        XCTAssertEqual((replies[5]["timesMs"] as? [Double])?.count, 2)
        for i in [2, 3, 4] { XCTAssertEqual(replies[i]["ok"] as? Bool, false) }

        let outputs = try NumPy.readArchive(contentsOf: url("out.npz"))
        try assertClose(outputs, try EngineFixtures.archive("wenet-tiny"), outputs: ["encoder_out", "encoder_out_lens"])
    }
}
