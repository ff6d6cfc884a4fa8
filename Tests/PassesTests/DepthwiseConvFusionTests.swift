import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// Depthwise Conv fusion: Conv(group C) + BatchNorm + Swish becomes one
/// DepthwiseConv1d; a grouped-but-not-depthwise or strided Conv does not.
final class DepthwiseConvFusionTests: XCTestCase {
    static func block(group: Int = 4, stride: Int = 1) -> Graph {
        var b = TinyGraph()
        let x = b.input("x", [2, 4, 9])
        let conv = b.op("Conv", [x, b.weight([4, 4 / group, 5], seed: 1), b.weight([4], seed: 2)],
                        ["group": .int(group), "kernel_shape": .ints([5]), "pads": .ints([2, 2]), "strides": .ints([stride])])
        let bn = b.op("BatchNormalization", [conv, b.weight([4], seed: 3), b.weight([4], seed: 4), b.weight([4], seed: 5),
                                             b.constant(TestTensors.uniform([4], in: 0.5...2, seed: 6))])
        b.output(b.op("Mul", [bn, b.op("Sigmoid", [bn])]))
        return b.graph
    }

    func testDepthwiseConvBatchNormSwishFuses() throws {
        let g = Self.block()
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("DepthwiseConv1d"), 1)
        XCTAssertEqual(after.nodes.map(\.opType), ["DepthwiseConv1d"])
        XCTAssertEqual(after.nodes[0].attributes["activation"], .string("swish"))
        try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
    }

    func testGroupedAndStridedConvsDoNotFuse() throws {
        for g in [Self.block(group: 2), Self.block(stride: 2)] {
            let (after, report) = try Surgeon.run(g)
            XCTAssertEqual(report.matches("DepthwiseConv1d"), 0)
            XCTAssertEqual(PassTest.count(after, "Conv"), 1)
            try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
        }
    }
}
