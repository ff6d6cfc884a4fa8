// End-to-end checks on the generated encoder fixtures in Tests/Fixtures/generated:
// a tiny WeNet U2++ Conformer (opset 13) and a tiny BERT (opset 14), both written
// node for node like PyTorch's legacy ONNX exporter, each with an `.npz` of seeded
// inputs and the outputs ONNX Runtime computed for them.
//
// Regenerate the fixtures with `python3 scripts/make-generated-fixtures.py`.

import Foundation
import IR
import NumPy
import ONNX
import Reference
import XCTest
import _TestSupport

final class GeneratedEncoderTests: XCTestCase {
    /// The largest |reference - ONNX Runtime| accepted on any float output.
    private static let tolerance: Float = 1e-4

    private static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/generated")

    func testWeNetTinyMatchesOnnxRuntime() throws {
        try checkAgainstOnnxRuntime("wenet-tiny")
    }

    func testBertTinyMatchesOnnxRuntime() throws {
        try checkAgainstOnnxRuntime("bert-tiny")
    }

    /// The WeNet fixture keeps the exporter's patterns the workbench must handle:
    /// symbolic input dims, `Slice` directly on the bool pad mask, decomposed
    /// LayerNorm, GLU as Split+Sigmoid+Mul, masked softmax through Where.
    func testWeNetTinyHasExporterPatterns() throws {
        let graph = try loadModel("wenet-tiny").graph
        XCTAssertEqual(graph.opset, 13)
        let speech = try XCTUnwrap(graph.inputs.first { $0.name == "speech" }?.type)
        XCTAssertEqual(speech.dataType, .float32)
        XCTAssertEqual(speech.shape, Shape(["B", "T", 80]))
        let lengths = try XCTUnwrap(graph.inputs.first { $0.name == "speech_lengths" }?.type)
        XCTAssertEqual(lengths.dataType, .int32)
        let encoderOut = try XCTUnwrap(graph.outputs.first { $0.name == "encoder_out" }?.type)
        XCTAssertEqual(encoderOut.shape, Shape(["B", "Addencoder_out_dim_1", 32]))

        let producers = graph.producers()
        /// True when `value` is the pad mask: a `Not`, possibly through Unsqueeze and Slice.
        func isMask(_ value: String) -> Bool {
            guard let p = producers[value] else { return false }
            let node = graph.nodes[p]
            switch node.opType {
            case "Not": return true
            case "Unsqueeze", "Slice": return node.input(0).map(isMask) ?? false
            default: return false
            }
        }
        let maskSlices = graph.nodes.filter { $0.opType == "Slice" && ($0.input(0).map(isMask) ?? false) }
        XCTAssertEqual(maskSlices.count, 2, "the two mask[:, :, :-2:2] slices")
        let histogram = Dictionary(uniqueKeysWithValues: graph.opHistogram().map { ($0.op, $0.count) })
        // Per layer: 5 LayerNorms x 2 ReduceMean, plus the final LayerNorm.
        XCTAssertEqual(histogram["ReduceMean"], 2 * (5 * 2) + 2)
        XCTAssertEqual(histogram["Split"], 2)
        XCTAssertEqual(histogram["BatchNormalization"], 2)
        XCTAssertEqual(histogram["Softmax"], 2)
        XCTAssertEqual(histogram["Where"], 2 * 4)
    }

    // MARK: Helpers

    private func loadModel(_ name: String) throws -> Model {
        try ONNXImporter().load(contentsOf: Self.fixtures.appendingPathComponent("\(name).onnx"))
    }

    /// Imports `<name>.onnx`, feeds it the inputs stored in `<name>.npz`, runs the
    /// reference executor and compares every graph output with the stored ORT output.
    private func checkAgainstOnnxRuntime(_ name: String, file: StaticString = #filePath,
                                         line: UInt = #line) throws {
        let graph = try loadModel(name).graph
        let archive = try NumPy.readArchive(contentsOf: Self.fixtures.appendingPathComponent("\(name).npz"))
        var feeds: [String: Tensor] = [:]
        for input in graph.runtimeInputs {
            feeds[input.name] = try XCTUnwrap(archive[input.name], "\(name).npz has no input '\(input.name)'",
                                              file: file, line: line)
        }
        let outputs = try ReferenceExecutor(graph: graph).run(feeds)
        XCTAssertFalse(graph.outputs.isEmpty, file: file, line: line)
        for output in graph.outputs {
            let expected = try XCTUnwrap(archive[output.name], "\(name).npz has no output '\(output.name)'",
                                         file: file, line: line)
            let actual = try XCTUnwrap(outputs[output.name], "no value for '\(output.name)'", file: file, line: line)
            XCTAssertEqual(actual.dataType, expected.dataType, "\(name): \(output.name) type", file: file, line: line)
            XCTAssertEqual(actual.shape, expected.shape, "\(name): \(output.name) shape", file: file, line: line)
            if expected.dataType.isFloatingPoint {
                let diff = Closeness.maxAbsoluteDifference(actual, expected)
                XCTAssertLessThanOrEqual(diff, Self.tolerance, "\(name): \(output.name) max |diff| \(diff)",
                                         file: file, line: line)
            } else {
                XCTAssertEqual(actual, expected, "\(name): \(output.name) differs", file: file, line: line)
            }
        }
    }
}
