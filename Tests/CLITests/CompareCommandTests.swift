import Foundation
import IR
import XCTest

/// `workbench compare` on the committed fixtures: engines built on the fly or
/// loaded, outputs and (`--mark-all`) every surviving intermediate value, ONNX
/// Runtime's column, JSON and one-line errors.
///
/// The broken-kernel case (the engine's GLU layer off by one in its SIMD tail)
/// needs a plugin loaded into the process, so it lives in `DebuggingTests`.
final class CompareCommandTests: CLITestCase {
    func testMarkAllOnWeNetPassesAndListsTheFusedLayers() throws {
        try writeFixtureInputs("wenet-tiny", names: ["speech", "speech_lengths"], to: "in.npz")
        let r = try workbench("compare", "--onnx", EngineFixtures.model("wenet-tiny"), "--loadInputs", "in.npz", "--mark-all")
        XCTAssertEqual(r.status, 0, r.stderr)
        for fragment in ["engine vs reference", "encoder_out", "Add_179_Linear_RelPosAttention", "RelPosAttention@2", "Linear@2", "SkipLayerNorm@1", "PASSED"] {
            XCTAssertTrue(r.stdout.contains(fragment), "'\(fragment)' missing: \(r.stdout)")
        }
    }

    func testLoadedEngineAndOnnxRuntimeColumnInJSON() throws {
        try buildEngine("bert-tiny", profiles: EngineFixtures.bertProfile, plan: "bert.plan")
        try writeFixtureInputs("bert-tiny", names: ["input_ids", "attention_mask", "token_type_ids"], to: "in.npz")
        let r = try workbench("compare", "--onnx", EngineFixtures.model("bert-tiny"), "--loadEngine", "bert.plan",
                              "--loadInputs", "in.npz", "--json")
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let outputs = try XCTUnwrap(json["outputs"] as? [[String: Any]])
        XCTAssertEqual(outputs.map { $0["name"] as? String }, ["last_hidden_state"])
        XCTAssertEqual(outputs.first?["status"] as? String, "pass")
        // scripts/test.sh installs onnxruntime; without it the note says why the column is absent.
        if let note = json["onnxRuntimeNote"] as? String {
            XCTAssertTrue(note.hasPrefix("skipped"), note)
        } else {
            let ort = try XCTUnwrap(json["engineVsOnnxRuntime"] as? [[String: Any]])
            XCTAssertEqual(ort.first?["status"] as? String, "pass")
        }
        XCTAssertEqual((json["layers"] as? [Any])?.count, 0)
    }

    func testToleranceFailureExitsTwoNamingTheFirstLayer() throws {
        let r = try workbench("compare", "--onnx", EngineFixtures.model("wenet-tiny"), "--shapes", "speech:2x24x80",
                              "--mark-all", "--no-onnxrt", "--atol", "0", "--rtol", "0")
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stdout.contains("FAILED: first value outside tolerance: '"), r.stdout)
        XCTAssertTrue(r.stdout.contains("onnxruntime: skipped (--no-onnxrt)"), r.stdout)
    }

    func testErrorsAreOneLine() throws {
        let model = EngineFixtures.model("wenet-tiny")
        assertFails(try workbench("compare", "--onnx", model, "--shapes", "speech:2x30x80", "--minShapes", "speech:1x16x80",
                                  "--optShapes", "speech:2x20x80", "--maxShapes", "speech:2x24x80"),
                    mentioning: ["input 'speech'", "dim 1 is 30", "16...24"])
        assertFails(try workbench("compare", "--onnx", model, "--loadEngine", "x.plan", "--minShapes", "speech:1x16x80",
                                  "--optShapes", "speech:2x20x80", "--maxShapes", "speech:2x24x80"),
                    mentioning: ["--loadEngine"])
        assertFails(try workbench("compare", "--onnx", model, "--shapes", "speech:2x24x80", "--minShapes", "speech:1x16x80"),
                    mentioning: ["--minShapes, --optShapes and --maxShapes together"])
    }
}
