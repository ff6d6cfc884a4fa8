import Foundation
import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// End-to-end surgery on the committed encoder fixtures (Tests/Fixtures/generated,
/// Tests/Fixtures/torch; see their READMEs for how to regenerate them).
final class ModelSurgeryTests: XCTestCase {
    private func wenetFeeds(batch: Int = 2, frames: Int = 37) -> [String: Tensor] {
        ["speech": TestTensors.uniform([batch, frames, 80], seed: 3),
         "speech_lengths": Tensor((0..<batch).map { Int32(frames - 5 * $0) }, shape: [batch])]
    }

    private func bertFeeds(_ g: Graph, batch: Int = 2, seq: Int = 9) -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for i in g.runtimeInputs {
            let n = batch * seq
            let values: [Int64]
            switch i.name {
            case "input_ids": values = (0..<n).map { Int64(($0 * 37 + 11) % 100) }
            case "attention_mask": values = (0..<n).map { $0 % seq < seq - 2 * ($0 / seq) ? 1 : 0 }
            default: values = (0..<n).map { Int64($0 % 2) }
            }
            feeds[i.name] = Tensor(values, shape: [batch, seq])
        }
        return feeds
    }

    func testWeNetTiny() throws {
        let g = try PassTest.load("generated/wenet-tiny.onnx")
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("LayerNorm"), 11)
        try PassTest.assertSameOutputs(g, after, wenetFeeds(), rtol: 1e-4, atol: 1e-4)
    }

    func testBertTiny() throws {
        let g = try PassTest.load("generated/bert-tiny.onnx")
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("LayerNorm"), 5)
        XCTAssertEqual(report.matches("Attention"), 2)
        XCTAssertEqual(PassTest.count(after, "Softmax"), 0)
        try PassTest.assertSameOutputs(g, after, bertFeeds(g), rtol: 1e-4, atol: 1e-4)
    }

    /// Real PyTorch exports (TorchScript and dynamo exporters): the same passes fire.
    func testTorchExports() throws {
        let expected: [(String, layerNorms: Int, attention: Int, relPos: Int)] = [
            ("bert_ts17", 5, 2, 0), ("bert_ts14", 5, 2, 0), ("conformer_ts13", 11, 0, 2), ("conformer_ts17", 11, 0, 2),
            ("conformer_dynamo18", 11, 0, 2),
        ]
        for (name, layerNorms, attention, relPos) in expected {
            let g = try PassTest.load("torch/\(name).onnx")
            let (after, report) = try Surgeon.run(g)
            XCTAssertEqual(report.matches("LayerNorm"), layerNorms, name)
            XCTAssertGreaterThanOrEqual(report.matches("Attention"), attention, name)
            XCTAssertEqual(report.matches("RelPosAttention"), relPos, name)
            if name.hasPrefix("conformer") {
                XCTAssertEqual(report.matches("LengthMask"), 1, name)
                XCTAssertEqual(try MaskLegalizationTests.boolValues(after), [], name)
            }
            XCTAssertEqual(PassTest.count(after, "Softmax"), 0, name)
            // Every LayerNorm is fused, the residual ones into SkipLayerNorm.
            XCTAssertEqual(PassTest.count(after, "LayerNorm", domain: workbenchDomain)
                           + PassTest.count(after, "SkipLayerNorm", domain: workbenchDomain), layerNorms, name)
            XCTAssertLessThan(after.nodes.count, g.nodes.count * 4 / 5, name)
            let feeds = name.hasPrefix("bert") ? bertFeeds(g) : wenetFeeds()
            try PassTest.assertSameOutputs(g, after, feeds, rtol: 1e-4, atol: 1e-4)
        }
    }
}
