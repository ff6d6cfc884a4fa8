import Foundation
import XCTest

/// `workbench inspect`: text, JSON, the node list and unsupported ops.
final class InspectCommandTests: CLITestCase {
    func testTextSummary() throws {
        let r = try workbench("inspect", "tiny.onnx")
        XCTAssertEqual(r.status, 0, r.stderr)
        for expected in ["Model: tiny.onnx", "Producer: workbench-tests 1", "Opsets: ai.onnx 17",
                         "speech: float32 [B, T, 80]", "speech_lengths: int32 [B]",
                         "encoder_out: float32 [B, T, 8]", "Ops (3 nodes, 3 types):", "MatMul",
                         "Parameters: 640 (2.6 kB) in 1 initializers", "Unsupported ops: none", "Graph problems: none"] {
            XCTAssertTrue(r.stdout.contains(expected), "'\(expected)' missing from:\n\(r.stdout)")
        }
        XCTAssertFalse(r.stdout.contains("Nodes ("), "nodes are listed only with --showNodes")
    }

    func testShowNodesUsesInferredTypes() throws {
        let r = try workbench("inspect", "tiny.onnx", "--showNodes")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("[0] MatMul_0 (MatMul)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("out: h: float32 [B, T, 8]"), "inferred type of h missing:\n\(r.stdout)")
    }

    func testJSON() throws {
        let r = try workbench("inspect", "tiny.onnx", "--json", "--showNodes")
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["parameters"] as? Int, 640)
        XCTAssertEqual(object["nodeCount"] as? Int, 3)
        let inputs = try XCTUnwrap(object["inputs"] as? [[String: Any]])
        XCTAssertEqual(inputs.first?["name"] as? String, "speech")
        XCTAssertEqual(inputs.first?["shape"] as? [AnyHashable], ["B", "T", 80])
        XCTAssertEqual((object["nodes"] as? [Any])?.count, 3)
        XCTAssertEqual((object["unsupportedOps"] as? [Any])?.count, 0)
    }

    func testListsEveryUnsupportedOpWithNodeNames() throws {
        try TinyModels.write(TinyModels.withUnsupportedOps(), to: url("custom.onnx"))
        let r = try workbench("inspect", "custom.onnx")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Unsupported ops (3 nodes):"), r.stdout)
        XCTAssertTrue(r.stdout.contains("custom::FooOp (2): foo_a, foo_b"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Bar (1): bar_1"), r.stdout)
    }

    func testMissingModelFile() throws {
        assertFails(try workbench("inspect", "nope.onnx"), mentioning: ["nope.onnx", "no such file"])
    }

    func testTruncatedModel() throws {
        let bytes = try Data(contentsOf: url("tiny.onnx"))
        try bytes.prefix(bytes.count / 2).write(to: url("truncated.onnx"))
        assertFails(try workbench("inspect", "truncated.onnx"), mentioning: ["truncated.onnx"])
    }
}
