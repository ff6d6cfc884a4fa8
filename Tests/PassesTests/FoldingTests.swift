import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// Folding, dead code, CSE and shape-subgraph folding: structure after the
/// pass and the same outputs before and after on random inputs.
final class FoldingTests: XCTestCase {
    private let noFusion = SurgeonOptions(foldConstants: true, fuse: [])

    func testConstantSubgraphFoldsIntoInitializer() throws {
        var b = TinyGraph()
        let x = b.input("x", [2, 3])
        let w = b.op("Transpose", [b.weight([4, 3], seed: 1)], ["perm": .ints([1, 0])])
        let y = b.op("MatMul", [x, b.op("Mul", [w, b.scalar(2)])])
        b.output(y)
        let (after, report) = try Surgeon.run(b.graph, options: noFusion)
        XCTAssertEqual(after.nodes.map(\.opType), ["MatMul"])
        XCTAssertEqual(report.matches("ConstantFolding"), 2)
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testFoldLimitKeepsLargeResults() throws {
        var b = TinyGraph()
        let x = b.input("x", [4, 8])
        let big = b.op("Expand", [b.scalar(1), b.constant(Tensor([4, 8] as [Int64], shape: [2]))])
        b.output(b.op("Add", [x, big]))
        var options = noFusion
        options.constantFoldLimit = 16
        let (kept, _) = try Surgeon.run(b.graph, options: options)
        XCTAssertEqual(PassTest.count(kept, "Expand"), 1)
        options.constantFoldLimit = 32
        let (folded, _) = try Surgeon.run(b.graph, options: options)
        XCTAssertEqual(PassTest.count(folded, "Expand"), 0)
        try PassTest.assertSameOutputs(b.graph, folded, PassTest.randomFeeds(b.graph))
    }

    /// `Shape → Gather → Unsqueeze → Concat → Reshape` on symbolic dims becomes `Reshape(x, [0, 0, 2, 4])`.
    func testSymbolicShapeChainBecomesConstantReshape() throws {
        var b = TinyGraph(opset: 13)
        let x = b.input("x", ["B", "T", 8])
        let shape = b.op("Shape", [x])
        let dims = [0, 1].map { i in
            b.op("Unsqueeze", [b.op("Gather", [shape, b.constant(Tensor(scalar: Int64(i)))], ["axis": .int(0)]),
                               b.constant(Tensor([0] as [Int64], shape: [1]))])
        }
        let target = b.op("Concat", dims + [b.constant(Tensor([2, 4] as [Int64], shape: [2]))], ["axis": .int(0)])
        b.output(b.op("Reshape", [x, target]))
        let (after, _) = try Surgeon.run(b.graph, options: noFusion)
        XCTAssertEqual(after.nodes.map(\.opType), ["Reshape"])
        XCTAssertEqual(after.initializers[after.nodes[0].inputs[1]]?.int64s, [0, 0, 2, 4])
        try PassTest.assertSameOutputs(b.graph, after, ["x": TestTensors.uniform([3, 5, 8])])
    }

    /// A `-1` whose size the element count pins to the input's dim becomes `0` (copy), so
    /// inference keeps `T` instead of an unprovable quotient; one that splits a dim stays.
    func testInferredReshapeDimBecomesCopyWhenProvable() throws {
        for (target, expected) in [([0, -1, 2, 4], [0, 0, 2, 4] as [Int64]), ([0, -1, 4], [0, -1, 4])] {
            var b = TinyGraph(opset: 13)
            let x = b.input("x", ["B", "T", 8])
            b.output(b.op("Reshape", [x, b.constant(Tensor(target.map { Int64($0) }, shape: [target.count]))]))
            let (after, _) = try Surgeon.run(b.graph, options: noFusion)
            XCTAssertEqual(after.initializers[after.nodes[0].inputs[1]]?.int64s, expected, "\(target)")
            try PassTest.assertSameOutputs(b.graph, after, ["x": TestTensors.uniform([3, 5, 8])])
        }
    }

    /// `allowzero = 1` with a symbolic target that has no literal 0 folds like `allowzero = 0` (the dynamo exporter's form).
    func testAllowZeroReshapeWithoutZerosFolds() throws {
        var b = TinyGraph(opset: 14)
        let x = b.input("x", ["B", "T", 8])
        let batch = b.op("Unsqueeze", [b.op("Gather", [b.op("Shape", [x]), b.constant(Tensor(scalar: Int64(0)))], ["axis": .int(0)]),
                                        b.constant(Tensor([0] as [Int64], shape: [1]))])
        let target = b.op("Concat", [batch, b.constant(Tensor([-1, 2, 4] as [Int64], shape: [3]))], ["axis": .int(0)])
        b.output(b.op("Reshape", [x, target], ["allowzero": .int(1)]))
        let (after, _) = try Surgeon.run(b.graph, options: noFusion)
        XCTAssertEqual(after.nodes.map(\.opType), ["Reshape"])
        XCTAssertNil(after.nodes[0].attributes["allowzero"])
        XCTAssertEqual(after.initializers[after.nodes[0].inputs[1]]?.int64s, [0, 0, 2, 4])
        try PassTest.assertSameOutputs(b.graph, after, ["x": TestTensors.uniform([3, 5, 8])])
    }

    /// A static shape chain folds to the constant it computes.
    func testStaticShapeChainFolds() throws {
        var b = TinyGraph()
        let x = b.input("x", [2, 6])
        let n = b.op("Gather", [b.op("Shape", [x]), b.constant(Tensor(scalar: Int64(1)))], ["axis": .int(0)])
        let r = b.op("Range", [b.constant(Tensor(scalar: Int64(0))), n, b.constant(Tensor(scalar: Int64(1)))])
        b.output(b.op("Add", [x, b.op("Cast", [r], ["to": .int(1)])]))
        let (after, _) = try Surgeon.run(b.graph, options: noFusion)
        XCTAssertEqual(after.nodes.map(\.opType), ["Add"])
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testCommonSubexpressionsMerge() throws {
        var b = TinyGraph()
        let x = b.input("x", [3, 4])
        let a = b.op("Sigmoid", [x]), c = b.op("Sigmoid", [x])
        let s1 = b.op("Mul", [a, b.scalar(3)]), s2 = b.op("Mul", [c, b.scalar(3)])
        b.output(b.op("Add", [s1, s2]))
        let (after, _) = try Surgeon.run(b.graph, options: noFusion)
        XCTAssertEqual(PassTest.count(after, "Sigmoid"), 1)
        XCTAssertEqual(PassTest.count(after, "Mul"), 1)
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testDeadNodesAndIdentitiesAreRemoved() throws {
        var b = TinyGraph()
        let x = b.input("x", [3, 4])
        _ = b.op("Exp", [x])  // dead
        let y = b.op("Relu", [b.op("Identity", [x])])
        b.output(b.op("Dropout", [y]))
        let g = b.graph
        let (after, _) = try Surgeon.run(g, options: noFusion)
        // The Dropout produces a graph output, so it stays (its name must be kept).
        XCTAssertEqual(after.nodes.map(\.opType), ["Relu", "Dropout"])
        try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
    }

    func testUnknownFusionNameIsRejected() {
        XCTAssertThrowsError(try Surgeon.run(TinyGraph().graph, options: SurgeonOptions(fuse: ["LayerNrom"]))) {
            XCTAssertTrue("\($0)".contains("LayerNrom"))
        }
    }
}
