import Foundation
import IR
import Kernels
import Plugins
import Reference
import Runtime
import XCTest
import _TestSupport

/// The engine layers' threaded and tiled paths, which only run on tensors
/// large enough to split (elementwise: 32 768 elements per thread; tiled
/// transpose: 65 536 elements) or with several images per thread (Conv's
/// `conv.im2col.images`), against the reference executor on 2 and 3
/// threads (1 thread: LayerTests); odd sizes throughout.
final class ThreadedLayerTests: XCTestCase {
    private func check(_ layer: any StandardLayer.Type, _ op: String, _ attributes: [String: Attribute] = [:],
                       _ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line) throws {
        let node = Node(name: op, opType: op, inputs: inputs.indices.map { "in\($0)" }, outputs: ["out"], attributes: attributes)
        let plugin = try layer.init(attributes: StandardOp.attributes(of: node, opset: 17))
        let graph = Graph(nodes: [node], inputs: node.inputs.map { ValueInfo(name: $0, type: nil) },
                          outputs: [ValueInfo(name: "out", type: nil)], opsetImports: ["": 17])
        let expected = try XCTUnwrap(try ReferenceExecutor(graph: graph).run(Dictionary(uniqueKeysWithValues: zip(node.inputs, inputs)))["out"])
        for tactic in plugin.tactics(inputShapes: inputs.map(\.shape)) {
            for threads in [2, 3] {
                let got = try plugin.run(inputs, tactic: tactic, threads: ThreadPool(threads: threads))[0]
                XCTAssertEqual(got.shape, expected.shape, file: file, line: line)
                XCTAssertTrue(Closeness.allClose(got, expected, rtol: 1e-5, atol: 1e-5),
                              "\(op) \(tactic) \(threads) threads: max diff \(Closeness.maxAbsoluteDifference(got, expected))",
                              file: file, line: line)
            }
        }
    }

    private func t(_ shape: [Int], seed: UInt64) -> Tensor { TestTensors.uniform(shape, seed: seed) }

    func testLargeBinaryBroadcastsSplitOverThreads() throws {
        let big = [2, 67, 501]
        let cases: [[Int]] = [big, [501], [2, 1, 501], [2, 67, 1], [67, 1]]
        for (k, other) in cases.enumerated() {
            try check(BinaryLayer.self, "Add", [:], [t(big, seed: UInt64(k)), t(other, seed: UInt64(k + 9))])
        }
        try check(BinaryLayer.self, "Mul", [:], [t(big, seed: 7), t([], seed: 8)])
        try check(BinaryLayer.self, "Div", [:], [t([], seed: 1), TestTensors.uniform(big, in: 0.5...2, seed: 2)])
    }

    func testLargeUnarySplitOverThreads() throws {
        for op in ["Sigmoid", "Relu", "Neg", "Tanh"] {
            try check(UnaryLayer.self, op, [:], [TestTensors.uniform([5, 13_801], in: -30...30, seed: 4)])
        }
    }

    func testTiledTransposeOfTheLastTwoAxes() throws {
        try check(TransposeLayer.self, "Transpose", ["perm": .ints([0, 2, 1])], [t([3, 77, 301], seed: 5)])
        try check(TransposeLayer.self, "Transpose", ["perm": .ints([0, 2, 1])], [t([2, 5, 3], seed: 6)])
        try check(TransposeLayer.self, "Transpose", ["perm": .ints([1, 0])], [t([257, 255], seed: 7)])
        try check(TransposeLayer.self, "Transpose", ["perm": .ints([0, 1, 3, 2])], [t([2, 3, 17, 33], seed: 8)])
    }

    /// Five images over up to four im2col slots: uneven image ranges per thread.
    func testConvImagesTacticSplitsImagesOverSlots() throws {
        try check(ConvLayer.self, "Conv", ["strides": .ints([2, 2])], [t([5, 3, 11, 9], seed: 10), t([7, 3, 3, 3], seed: 11), t([7], seed: 12)])
        try check(ConvLayer.self, "Conv", [:], [t([5, 6, 13], seed: 13), t([10, 6, 1], seed: 14), t([10], seed: 15)])
        try check(ConvLayer.self, "Conv", ["group": .int(2)], [t([3, 4, 10, 6], seed: 16), t([6, 2, 3, 3], seed: 17)])
    }
}
