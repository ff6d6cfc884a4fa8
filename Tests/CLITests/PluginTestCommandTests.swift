import Foundation
import IR
import XCTest

/// `workbench plugin test` on the WeNet fixture's first GLU (Split → Sigmoid → Mul
/// of the conv module) and on a GLU subgraph file: passing, failing past the
/// tolerance (exit 2), JSON, and one-line errors.
///
/// The broken-kernel case (a GLU with an off-by-one in its SIMD tail) needs a
/// plugin loaded into the process, so it lives in `DebuggingTests`, which calls
/// the same library logic with a registry holding the broken plugin.
final class PluginTestCommandTests: CLITestCase {
    let glu = ["--plugin", "GLU", "--onnx", EngineFixtures.model("wenet-tiny"), "--nodes", "Split_197,Sigmoid_198,Mul_199"]
    let range = ["--minShapes", "onnx::Split_405:1x64x1", "--optShapes", "onnx::Split_405:3x64x16",
                 "--maxShapes", "onnx::Split_405:4x64x64"]

    func pluginTest(_ extra: [String]) throws -> CLI.Result {
        try CLI.run(["plugin", "test"] + glu + range + ["--iterations", "1"] + extra, in: directory)
    }

    func testBuiltinGLUPassesOverTheRangeWithOddShapes() throws {
        let r = try pluginTest([])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("plugin GLU (nodes: Mul_199_GLU)"), r.stdout)
        for label in ["min ", "opt ", "max ", "odd ", "random "] { XCTAssertTrue(r.stdout.contains(label), "\(label): \(r.stdout)") }
        XCTAssertTrue(r.stdout.contains("PASSED: 6 shapes within tolerance"), r.stdout)
    }

    func testJSONReportsEveryShape() throws {
        let r = try pluginTest(["--json", "--samples", "2", "--shapes", "onnx::Split_405:2x64x9"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let cases = try XCTUnwrap(json["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.map { $0["label"] as? String }, ["min", "opt", "max", "odd", "random", "given"])
        XCTAssertEqual(json["pluginNodes"] as? [String], ["Mul_199_GLU"])
        let given = try XCTUnwrap(cases.last?["shapes"] as? [String: [Int]])
        XCTAssertEqual(given["onnx::Split_405"], [2, 64, 9])
    }

    func testPastTheToleranceExitsTwo() throws {
        // The plugin computes a / (1 + e^-b), the reference a · Sigmoid(b): they round apart.
        let r = try pluginTest(["--atol", "0", "--rtol", "0", "--samples", "0"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stdout.contains("shapes outside tolerance"), r.stdout)
        XCTAssertTrue(r.stdout.contains("FAIL at ["), r.stdout)
    }

    func testPluginNodeWithAttributes() throws {
        let r = try pluginTest(["--attribute", "axis=1", "--samples", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("nodes: GLU_under_test"), r.stdout)
    }

    func testSubgraphFile() throws {
        let graph = Graph(
            name: "glu",
            nodes: [Node(name: "split", opType: "Split", inputs: ["x"], outputs: ["a", "b"], attributes: ["axis": .int(1)]),
                    Node(name: "gate", opType: "Sigmoid", inputs: ["b"], outputs: ["s"]),
                    Node(name: "mul", opType: "Mul", inputs: ["a", "s"], outputs: ["y"])],
            inputs: [ValueInfo(name: "x", type: ValueType(.float32, Shape(["B", 16, "T"] as [Dim])))],
            outputs: [ValueInfo(name: "y", type: ValueType(.float32, Shape(["B", 8, "T"] as [Dim])))],
            opsetImports: ["": 13])
        try TinyModels.write(Model(graph: graph), to: url("glu.onnx"))
        let r = try workbench("plugin", "test", "--plugin", "GLU", "--subgraph", "glu.onnx", "--minShapes", "x:1x16x1",
                              "--optShapes", "x:2x16x8", "--maxShapes", "x:3x16x33", "--iterations", "1")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("PASSED"), r.stdout)
    }

    func testErrorsAreOneLine() throws {
        assertFails(try CLI.run(["plugin", "test", "--plugin", "GLU", "--onnx", EngineFixtures.model("wenet-tiny"),
                                 "--nodes", "Split_197,Sigmoid_19"] + range, in: directory),
                    mentioning: ["no node named 'Sigmoid_19'", "Sigmoid_198"])
        assertFails(try CLI.run(["plugin", "test", "--plugin", "NoSuchPlugin", "--onnx", EngineFixtures.model("wenet-tiny"),
                                 "--nodes", "Split_197,Sigmoid_198,Mul_199"] + range, in: directory),
                    mentioning: ["plugin NoSuchPlugin is not registered", "--plugins"])
        assertFails(try pluginTest(["--shapes", "onnx::Split_405:2x64x65"]),
                    mentioning: ["input 'onnx::Split_405'", "dim 2 is 65", "1...64"])
        assertFails(try CLI.run(["plugin", "test"] + glu, in: directory),
                    mentioning: ["onnx::Split_405", "--minShapes"])
        assertFails(try CLI.run(["plugin", "test", "--plugin", "LayerNorm", "--onnx", EngineFixtures.model("wenet-tiny"),
                                 "--nodes", "Split_197,Sigmoid_198,Mul_199"] + range, in: directory),
                    mentioning: ["did not replace the subgraph with plugin LayerNorm"])
        assertFails(try CLI.run(["plugin", "test", "--plugin", "GLU", "--nodes", "Split_197"], in: directory),
                    mentioning: ["--subgraph"])
    }
}
