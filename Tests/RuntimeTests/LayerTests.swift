import Foundation
import IR
import Kernels
import Plugins
import Reference
import Runtime
import XCTest
import _TestSupport

/// Every engine layer and every tactic against the reference kernel of the
/// op it implements, on odd sizes (tails that are not multiples of a SIMD width).
final class LayerTests: XCTestCase {
    /// Runs `node` through `layer` with each of its tactics and through the reference executor.
    private func check(_ layer: any StandardLayer.Type, _ node: Node, _ inputs: [Tensor], opset: Int = 17,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        var named = node
        named.inputs = inputs.indices.map { "in\($0)" }
        named.outputs = node.outputs.indices.map { "out\($0)" }
        let plugin = try layer.init(attributes: StandardOp.attributes(of: named, opset: opset))
        let graph = Graph(nodes: [named], inputs: named.inputs.map { ValueInfo(name: $0, type: nil) },
                          outputs: named.outputs.map { ValueInfo(name: $0, type: nil) }, opsetImports: ["": opset])
        let feeds = Dictionary(uniqueKeysWithValues: zip(named.inputs, inputs))
        let expected = try ReferenceExecutor(graph: graph).run(feeds)
        let tactics = plugin.tactics(inputShapes: inputs.map(\.shape))
        XCTAssertFalse(tactics.isEmpty, file: file, line: line)
        for tactic in tactics {
            for threads in [1, 2] {
                let got = try plugin.run(inputs, tactic: tactic, threads: ThreadPool(threads: threads))
                for (k, name) in named.outputs.enumerated() {
                    let e = try XCTUnwrap(expected[name], file: file, line: line)
                    XCTAssertEqual(got[k].shape, e.shape, "\(node.opType) \(tactic)", file: file, line: line)
                    XCTAssertLessThanOrEqual(Closeness.maxAbsoluteDifference(got[k], e), 1e-4,
                                             "\(node.opType) \(tactic) threads \(threads)", file: file, line: line)
                }
            }
        }
    }

    private func node(_ op: String, _ attributes: [String: Attribute] = [:], outputs: Int = 1) -> Node {
        Node(name: op, opType: op, inputs: [], outputs: (0..<outputs).map { "o\($0)" }, attributes: attributes)
    }

    private func t(_ shape: [Int], seed: UInt64) -> Tensor { TestTensors.uniform(shape, seed: seed) }

    func testBinaryBroadcasts() throws {
        let cases: [([Int], [Int])] = [([3, 5, 7], [3, 5, 7]), ([3, 5, 7], [7]), ([3, 5, 7], []), ([], [3, 5, 7]),
                                       ([3, 1, 7], [1, 5, 1]), ([2, 3, 5, 7], [3, 1, 1]), ([5, 1], [1, 9]), ([7], [3, 5, 7])]
        for op in ["Add", "Sub", "Mul", "Div"] {
            for (k, (a, b)) in cases.enumerated() {
                try check(BinaryLayer.self, node(op), [t(a, seed: UInt64(k)), t(b, seed: UInt64(k + 50))])
            }
        }
        try check(BinaryLayer.self, node("Pow"), [t([3, 5, 7], seed: 1), Tensor(scalar: Float(2))])
        try check(BinaryLayer.self, node("Pow"), [TestTensors.uniform([3, 9], in: 0.1...2, seed: 2), Tensor(scalar: Float(0.5))])
    }

    func testUnarySoftmaxWhere() throws {
        for op in ["Sigmoid", "Relu", "Sqrt", "Exp", "Tanh", "Neg", "Abs", "Reciprocal"] {
            let x = op == "Sqrt" ? TestTensors.uniform([3, 17], in: 0.01...3, seed: 3) : t([3, 17], seed: 3)
            try check(UnaryLayer.self, node(op), [x])
        }
        try check(SoftmaxLayer.self, node("Softmax", ["axis": .int(-1)]), [t([2, 3, 13], seed: 4)])
        try check(SoftmaxLayer.self, node("Softmax"), [t([5, 31], seed: 5)], opset: 11)
        let cond = Tensor((0..<7).map { $0 % 3 == 0 }, shape: [1, 7])
        try check(WhereLayer.self, node("Where"), [cond, t([3, 5, 7], seed: 6), Tensor(scalar: Float(-1e4))])
        try check(WhereLayer.self, node("Where"), [Tensor([true, false, true], shape: [3, 1, 1]), t([3, 5, 7], seed: 7), t([7], seed: 8)])
    }

    func testTransposeAndAlias() throws {
        try check(TransposeLayer.self, node("Transpose", ["perm": .ints([0, 2, 1, 3])]), [t([2, 3, 5, 7], seed: 9)])
        try check(TransposeLayer.self, node("Transpose", ["perm": .ints([2, 0, 1])]), [t([3, 5, 7], seed: 10)])
        try check(TransposeLayer.self, node("Transpose"), [Tensor([Int64](0..<35), shape: [5, 7])])
        // (Reshape and Unsqueeze read a constant shape input; the engine tests cover them.)
        try check(AliasLayer.self, node("Flatten", ["axis": .int(2)]), [t([3, 5, 7], seed: 11)])
        try check(AliasLayer.self, node("Identity"), [t([3, 5], seed: 12)])
    }

    func testMatMulShapes() throws {
        let cases: [([Int], [Int])] = [([3, 5, 7], [7, 9]), ([2, 3, 5, 7], [2, 3, 7, 4]), ([2, 3, 5, 7], [7, 4]),
                                       ([2, 1, 5, 7], [1, 3, 7, 4]), ([5, 7], [3, 7, 2]), ([13, 17], [17, 11])]
        for (k, (a, b)) in cases.enumerated() {
            try check(MatMulLayer.self, node("MatMul"), [t(a, seed: UInt64(20 + k)), t(b, seed: UInt64(40 + k))])
        }
    }

    func testConvGeometries() throws {
        // Subsampling-like 2-D, strided and padded.
        try check(ConvLayer.self, node("Conv", ["strides": .ints([2, 2])]), [t([2, 3, 11, 9], seed: 30), t([5, 3, 3, 3], seed: 31), t([5], seed: 32)])
        try check(ConvLayer.self, node("Conv", ["pads": .ints([1, 0, 1, 2]), "dilations": .ints([2, 1])]),
                  [t([1, 2, 9, 7], seed: 33), t([4, 2, 3, 2], seed: 34)])
        // Depthwise 1-D (both tactics), pointwise 1-D and grouped.
        try check(ConvLayer.self, node("Conv", ["group": .int(6), "pads": .ints([7, 7])]),
                  [t([2, 6, 23], seed: 35), t([6, 1, 15], seed: 36), t([6], seed: 37)])
        try check(ConvLayer.self, node("Conv", ["group": .int(4), "strides": .ints([3]), "pads": .ints([2, 1])]),
                  [t([1, 4, 17], seed: 38), t([4, 1, 5], seed: 39)])
        try check(ConvLayer.self, node("Conv"), [t([2, 6, 13], seed: 40), t([10, 6, 1], seed: 41)])
        try check(ConvLayer.self, node("Conv", ["group": .int(2), "auto_pad": .string("SAME_UPPER")]),
                  [t([1, 4, 10], seed: 42), t([6, 2, 4], seed: 43)])
    }

    func testGatherRows() throws {
        try check(GatherLayer.self, node("Gather"), [t([11, 5], seed: 52), Tensor([Int64]([3, 0, -1, 10, 3, 7]), shape: [2, 3])])
        try check(GatherLayer.self, node("Gather"), [t([7, 2, 3], seed: 53), Tensor([Int32]([6, 1]), shape: [2])])
        try check(GatherLayer.self, node("Gather"), [t([7, 3], seed: 54), Tensor(scalar: Int64(-2))])
    }

    func testReferenceLayerRunsAnyOp() throws {
        try check(ReferenceLayer.self, node("ReduceMean", ["axes": .ints([-1])]), [t([3, 5, 7], seed: 50)], opset: 13)
        try check(ReferenceLayer.self, node("Split", ["axis": .int(1)], outputs: 2), [t([3, 8], seed: 51)], opset: 13)
    }
}
