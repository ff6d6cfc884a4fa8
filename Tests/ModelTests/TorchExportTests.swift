// End-to-end checks on real PyTorch exports in Tests/Fixtures/torch: a tiny
// WeNet-style Conformer encoder and a tiny Hugging Face BertModel (random
// weights), exported by the legacy TorchScript exporter (opsets 13, 14, 17)
// and by the torch.export-based exporter (opset 18), plus one copy whose
// weights live in an external data file. Each `<name>.npz` holds, per case k,
// `case<k>.input.<input>` and `case<k>.output.<output>` computed by torch.
//
// Regenerate with `/opt/torch-venv/bin/python fixtures/export_torch.py`
// (see fixtures/README.md for the virtual environment).

import Foundation
import IR
import NumPy
import ONNX
import Reference
import XCTest
import _TestSupport

final class TorchExportTests: XCTestCase {
    /// The largest |reference - torch| accepted on any float output.
    private static let tolerance: Float = 1e-4

    private static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/torch")

    // MARK: Reference executor against torch

    func testConformerTorchScriptOpset13MatchesTorch() throws {
        try checkAgainstTorch("conformer_ts13", opset: 13)
    }

    func testConformerTorchScriptOpset17MatchesTorch() throws {
        try checkAgainstTorch("conformer_ts17", opset: 17)
    }

    func testConformerDynamoOpset18MatchesTorch() throws {
        try checkAgainstTorch("conformer_dynamo18", opset: 18)
    }

    func testConformerExternalDataMatchesTorch() throws {
        try checkAgainstTorch("conformer_ts17_external", opset: 17)
    }

    func testBertTorchScriptOpset14MatchesTorch() throws {
        try checkAgainstTorch("bert_ts14", opset: 14)
    }

    func testBertTorchScriptOpset17MatchesTorch() throws {
        try checkAgainstTorch("bert_ts17", opset: 17)
    }

    func testBertDynamoOpset18MatchesTorch() throws {
        try checkAgainstTorch("bert_dynamo18", opset: 18)
    }

    // MARK: What the importer reads

    /// The external-data copy imports to the same graph and weights as the inline file.
    func testExternalDataImportsSameWeightsAsInline() throws {
        let inline = try loadModel("conformer_ts17").graph
        let external = try loadModel("conformer_ts17_external").graph
        XCTAssertEqual(external.nodes, inline.nodes)
        XCTAssertEqual(Set(external.initializers.keys), Set(inline.initializers.keys))
        for (name, tensor) in inline.initializers {
            XCTAssertEqual(external.initializers[name], tensor, "initializer '\(name)' differs")
        }
        let sideFile = Self.fixtures.appendingPathComponent("conformer_ts17_external.onnx.data")
        XCTAssertTrue(FileManager.default.fileExists(atPath: sideFile.path))
    }

    /// Inputs keep the exporter's symbolic dims and dtypes, whichever exporter wrote them.
    func testConformerInputsKeepSymbolicDims() throws {
        for name in ["conformer_ts13", "conformer_ts17", "conformer_dynamo18"] {
            let graph = try loadModel(name).graph
            XCTAssertEqual(graph.runtimeInputs.map(\.name), ["speech", "speech_lengths"], name)
            XCTAssertEqual(graph.outputs.map(\.name), ["encoder_out", "encoder_out_lens"], name)
            XCTAssertEqual(graph.type(of: "speech"), ValueType(.float32, Shape(["B", "T", 80])), name)
            XCTAssertEqual(graph.type(of: "speech_lengths"), ValueType(.int32, Shape(["B"])), name)
            XCTAssertEqual(graph.outputs.last?.type?.dataType, .int32, name)
        }
    }

    func testBertInputsKeepSymbolicDims() throws {
        for name in ["bert_ts14", "bert_ts17", "bert_dynamo18"] {
            let graph = try loadModel(name).graph
            XCTAssertEqual(graph.runtimeInputs.map(\.name), ["input_ids", "attention_mask", "token_type_ids"], name)
            XCTAssertEqual(graph.outputs.map(\.name), ["last_hidden_state", "pooler_output"], name)
            for input in graph.runtimeInputs {
                XCTAssertEqual(input.type, ValueType(.int64, Shape(["batch", "sequence"])), "\(name): \(input.name)")
            }
        }
    }

    /// Opset 13 decomposes LayerNorm (ReduceMean, Sub, Pow, Sqrt, Div); opset 17
    /// and the dynamo exporter write LayerNormalization: 5 per layer + the final one.
    func testLayerNormFormFollowsOpset() throws {
        let decomposed = histogram(try loadModel("conformer_ts13").graph)
        XCTAssertNil(decomposed["LayerNormalization"])
        XCTAssertEqual(decomposed["ReduceMean"], 2 * 11)
        XCTAssertEqual(decomposed["Sqrt"], 11)
        for name in ["conformer_ts17", "conformer_dynamo18"] {
            let fused = histogram(try loadModel(name).graph)
            XCTAssertEqual(fused["LayerNormalization"], 11, name)
            XCTAssertNil(fused["ReduceMean"], name)
        }
        XCTAssertEqual(histogram(try loadModel("bert_ts17").graph)["LayerNormalization"], 5)
        XCTAssertNil(histogram(try loadModel("bert_ts14").graph)["LayerNormalization"])
    }

    /// In eval mode both exporters fold BatchNorm1d into the depthwise Conv; the
    /// opset 17 file was exported with TrainingMode.PRESERVE and keeps one per layer.
    func testBatchNormFoldedUnlessPreserved() throws {
        XCTAssertEqual(histogram(try loadModel("conformer_ts17").graph)["BatchNormalization"], 2)
        for name in ["conformer_ts13", "conformer_dynamo18"] {
            let graph = try loadModel(name).graph
            XCTAssertNil(histogram(graph)["BatchNormalization"], name)
            XCTAssertEqual(histogram(graph)["Conv"], 2 + 3 * 2, "\(name): 2 subsampling + 3 per layer")
        }
    }

    // MARK: Helpers

    private func loadModel(_ name: String) throws -> Model {
        try ONNXImporter().load(contentsOf: Self.fixtures.appendingPathComponent("\(name).onnx"))
    }

    private func histogram(_ graph: Graph) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: graph.opHistogram().map { ($0.op, $0.count) })
    }

    /// Imports `<name>.onnx`, runs the reference executor on every case of
    /// `<name>.npz` and compares each graph output with torch's: float outputs
    /// within ``tolerance``, integer outputs exactly.
    private func checkAgainstTorch(_ name: String, opset: Int, file: StaticString = #filePath,
                                   line: UInt = #line) throws {
        let graph = try loadModel(name).graph
        XCTAssertEqual(graph.opset, opset, "\(name): opset", file: file, line: line)
        let archive = try NumPy.readArchive(contentsOf: Self.fixtures.appendingPathComponent("\(name).npz"))
        let executor = try ReferenceExecutor(graph: graph)
        let cases = archive.names.compactMap(Self.caseIndex).reduce(into: Set<Int>()) { $0.insert($1) }.sorted()
        XCTAssertEqual(cases, [0, 1], "\(name).npz cases", file: file, line: line)
        XCTAssertFalse(graph.outputs.isEmpty, "\(name): no outputs", file: file, line: line)
        for k in cases {
            var feeds: [String: Tensor] = [:]
            for input in graph.runtimeInputs {
                feeds[input.name] = try XCTUnwrap(archive["case\(k).input.\(input.name)"],
                                                  "\(name).npz has no case\(k) input '\(input.name)'",
                                                  file: file, line: line)
            }
            let outputs: [String: Tensor]
            do {
                outputs = try executor.run(feeds)
            } catch {
                XCTFail("\(name) case\(k): \(error)", file: file, line: line)
                continue
            }
            for output in graph.outputs {
                let label = "\(name) case\(k) \(output.name)"
                let expected = try XCTUnwrap(archive["case\(k).output.\(output.name)"],
                                             "\(name).npz has no \(label)", file: file, line: line)
                let actual = try XCTUnwrap(outputs[output.name], "no value for \(label)", file: file, line: line)
                XCTAssertEqual(actual.dataType, expected.dataType, "\(label): dtype", file: file, line: line)
                XCTAssertEqual(actual.shape, expected.shape, "\(label): shape", file: file, line: line)
                if expected.dataType.isFloatingPoint {
                    let diff = Closeness.maxAbsoluteDifference(actual, expected)
                    XCTAssertLessThanOrEqual(diff, Self.tolerance, "\(label): max |diff| \(diff)",
                                             file: file, line: line)
                } else {
                    XCTAssertEqual(actual, expected, "\(label): differs", file: file, line: line)
                }
            }
        }
    }

    /// `k` for an archive entry named `case<k>.input.<name>` or `case<k>.output.<name>`.
    private static func caseIndex(_ entry: String) -> Int? {
        guard entry.hasPrefix("case"), let dot = entry.firstIndex(of: ".") else { return nil }
        return Int(entry[entry.index(entry.startIndex, offsetBy: 4)..<dot])
    }
}
