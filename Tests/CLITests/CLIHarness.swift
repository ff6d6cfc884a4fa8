import Foundation
import IR
import ONNX  // transitively available through the workbench target
import XCTest
import _TestSupport

/// Runs the built `workbench` binary and captures what it prints.
enum CLI {
    typealias Result = WorkbenchBinary.Result

    /// The `workbench` executable SwiftPM built next to this test bundle (``WorkbenchBinary/locate()``).
    static func binary() throws -> URL { try WorkbenchBinary.locate() }

    /// Runs `workbench` with `arguments` in `directory`.
    static func run(_ arguments: [String], in directory: URL) throws -> Result {
        try WorkbenchBinary.run(arguments, in: directory)
    }
}

/// Small models written with ``ONNXExporter`` for the command tests.
enum TinyModels {
    static let weight = Tensor((0..<640).map { Float($0 % 7) / 7 - 0.4 }, shape: [80, 8])

    /// `speech [B, T, 80] → MatMul W → Relu → encoder_out [B, T, 8]`, and
    /// `speech_lengths [B] (int32) → Cast int64 → encoder_out_lens`.
    static func encoder(extraNodes: [Node] = []) -> Model {
        let graph = Graph(
            name: "tiny",
            nodes: [
                Node(name: "MatMul_0", opType: "MatMul", inputs: ["speech", "W"], outputs: ["h"]),
                Node(name: "Relu_1", opType: "Relu", inputs: ["h"], outputs: ["encoder_out"]),
                Node(name: "Cast_2", opType: "Cast", inputs: ["speech_lengths"], outputs: ["encoder_out_lens"],
                     attributes: ["to": .int(DataType.int64.rawValue)]),
            ] + extraNodes,
            inputs: [ValueInfo(name: "speech", type: ValueType(.float32, Shape(["B", "T", 80] as [Dim]))),
                     ValueInfo(name: "speech_lengths", type: ValueType(.int32, Shape(["B"] as [Dim])))],
            outputs: [ValueInfo(name: "encoder_out", type: ValueType(.float32, Shape(["B", "T", 8] as [Dim]))),
                      ValueInfo(name: "encoder_out_lens", type: ValueType(.int64, Shape(["B"] as [Dim])))],
            initializers: ["W": weight],
            opsetImports: ["": 17])
        return Model(graph: graph, producerName: "workbench-tests", producerVersion: "1")
    }

    /// The encoder plus nodes the reference executor does not support.
    static func withUnsupportedOps() -> Model {
        encoder(extraNodes: [
            Node(name: "foo_a", opType: "FooOp", domain: "custom", inputs: ["h"], outputs: ["z1"]),
            Node(name: "foo_b", opType: "FooOp", domain: "custom", inputs: ["h"], outputs: ["z2"]),
            Node(name: "bar_1", opType: "Bar", inputs: ["h"], outputs: ["z3"]),
        ])
    }

    static func write(_ model: Model, to url: URL) throws {
        try ONNXExporter().write(model, to: url)
    }
}
