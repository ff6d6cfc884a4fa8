import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// BERT attention fusion: the block with an additive mask becomes one
/// Attention node; a mask that varies along keys' other axis must not fuse.
final class AttentionFusionTests: XCTestCase {
    /// The BERT self-attention block on x [2, 5, 6] with 2 heads and a mask of `maskShape`.
    private func block(maskShape: Shape) -> Graph {
        var b = TinyGraph()
        let x = b.input("x", [2, 5, 6]), mask = b.input("mask", maskShape)
        let heads = b.constant(Tensor([0, 0, 2, 3] as [Int64], shape: [4]), "heads")
        var t: [String] = []
        for (k, perm) in [[0, 2, 1, 3], [0, 2, 3, 1], [0, 2, 1, 3]].enumerated() {
            let lin = b.op("Add", [b.op("MatMul", [x, b.weight([6, 6], seed: UInt64(10 + k))]), b.weight([6], seed: UInt64(20 + k))])
            t.append(b.op("Transpose", [b.op("Reshape", [lin, heads])], ["perm": .ints(perm)]))
        }
        let scores = b.op("Div", [b.op("MatMul", [t[0], t[1]]), b.scalar(Float(3).squareRoot())])
        let probs = b.op("Softmax", [b.op("Add", [scores, mask])], ["axis": .int(-1)])
        let ctx = b.op("Transpose", [b.op("MatMul", [probs, t[2]])], ["perm": .ints([0, 2, 1, 3])])
        b.output(b.op("Reshape", [ctx, b.constant(Tensor([0, 0, 6] as [Int64], shape: [3]))]))
        return b.graph
    }

    func testMaskedBertAttentionFuses() throws {
        let g = block(maskShape: [2, 1, 1, 5])
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("Attention"), 1)
        XCTAssertEqual(after.nodes.map(\.opType), ["Attention"])
        XCTAssertEqual(after.nodes[0].attributes["num_heads"], .int(2))
        let feeds = ["x": TestTensors.uniform([2, 5, 6], seed: 1), "mask": TestTensors.uniform([2, 1, 1, 5], in: -5...0, seed: 2)]
        try PassTest.assertSameOutputs(g, after, feeds)
    }

    func testMaskBroadcastOverQueriesOnlyDoesNotFuse() throws {
        let g = block(maskShape: [2, 1, 5, 1])  // varies along queries, broadcast along keys
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("Attention"), 0)
        XCTAssertEqual(PassTest.count(after, "Softmax"), 1)
        let feeds = ["x": TestTensors.uniform([2, 5, 6], seed: 1), "mask": TestTensors.uniform([2, 1, 5, 1], in: -5...0, seed: 2)]
        try PassTest.assertSameOutputs(g, after, feeds)
    }

    func testPerHeadMaskDoesNotFuse() throws {
        let g = block(maskShape: [2, 2, 5, 5])
        let (_, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("Attention"), 0)
    }
}
