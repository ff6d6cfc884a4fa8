import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// LayerNorm and SkipLayerNorm fusions: positive cases (structure and numbers)
/// and near misses that must not fire.
final class LayerNormFusionTests: XCTestCase {
    private let options = SurgeonOptions(fuse: ["LayerNorm", "SkipLayerNorm"])

    /// The decomposed chain PyTorch's legacy exporter writes, over `axes`.
    static func decomposed(_ b: inout TinyGraph, _ x: String, c: Int, axes: [Int] = [-1], beta: Bool = true) -> (y: String, d: String) {
        let mean = b.op("ReduceMean", [x], ["axes": .ints(axes)])
        let d = b.op("Sub", [x, mean])
        let v = b.op("ReduceMean", [b.op("Pow", [d, b.scalar(2)])], ["axes": .ints(axes)])
        let n = b.op("Div", [d, b.op("Sqrt", [b.op("Add", [v, b.scalar(1e-5)])])])
        let m = b.op("Mul", [n, b.weight([c], seed: 11)])
        return (beta ? b.op("Add", [m, b.weight([c], seed: 12)]) : m, d)
    }

    func testDecomposedLayerNormFuses() throws {
        for beta in [true, false] {
            var b = TinyGraph(opset: 13)
            let x = b.input("x", [2, 5, 7])
            b.output(Self.decomposed(&b, x, c: 7, beta: beta).y)
            let (after, report) = try Surgeon.run(b.graph, options: options)
            XCTAssertEqual(report.matches("LayerNorm"), 1)
            XCTAssertEqual(after.nodes.map(\.opType), ["LayerNorm"])
            XCTAssertEqual(after.nodes[0].inputs.count, beta ? 3 : 2)
            try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
        }
    }

    func testOnnxLayerNormalizationFuses() throws {
        var b = TinyGraph(opset: 17)
        let x = b.input("x", [3, 9])
        b.output(b.op("LayerNormalization", [x, b.weight([9], seed: 1), b.weight([9], seed: 2)],
                      ["axis": .int(-1), "epsilon": .float(1e-6)]))
        let (after, _) = try Surgeon.run(b.graph, options: options)
        XCTAssertEqual(after.nodes.map(\.opType), ["LayerNorm"])
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testLayerNormOverWrongAxisDoesNotFuse() throws {
        var b = TinyGraph(opset: 13)
        let x = b.input("x", [4, 4, 4])
        b.output(Self.decomposed(&b, x, c: 4, axes: [1]).y)
        let (after, report) = try Surgeon.run(b.graph, options: options)
        XCTAssertEqual(report.matches("LayerNorm"), 0)
        XCTAssertEqual(PassTest.count(after, "ReduceMean"), 2)
    }

    func testSharedIntermediateBlocksFusion() throws {
        var b = TinyGraph(opset: 13)
        let x = b.input("x", [2, 6])
        let (y, d) = Self.decomposed(&b, x, c: 6)
        b.output(y, b.op("Relu", [d]))  // the centred value has another consumer
        let (after, report) = try Surgeon.run(b.graph, options: options)
        XCTAssertEqual(report.matches("LayerNorm"), 0)
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testGammaBroadcastOverAnotherAxisDoesNotFuse() throws {
        var b = TinyGraph(opset: 13)
        let x = b.input("x", [6, 6])
        let mean = b.op("ReduceMean", [x], ["axes": .ints([-1])])
        let d = b.op("Sub", [x, mean])
        let v = b.op("ReduceMean", [b.op("Pow", [d, b.scalar(2)])], ["axes": .ints([-1])])
        let n = b.op("Div", [d, b.op("Sqrt", [b.op("Add", [v, b.scalar(1e-5)])])])
        b.output(b.op("Mul", [n, b.weight([6, 1], seed: 3)]))  // scales rows, not columns
        let (_, report) = try Surgeon.run(b.graph, options: options)
        XCTAssertEqual(report.matches("LayerNorm"), 0)
    }

    func testResidualAddFusesIntoSkipLayerNorm() throws {
        var b = TinyGraph(opset: 17)
        let x = b.input("x", [2, 3, 8]), r = b.input("r", [2, 3, 8])
        let sum = b.op("Add", [x, r])
        let y = b.op("LayerNormalization", [sum, b.weight([8], seed: 1), b.weight([8], seed: 2)])
        b.output(y, b.op("Add", [sum, y]))  // the residual stream continues
        let (after, report) = try Surgeon.run(b.graph, options: options)
        XCTAssertEqual(report.matches("SkipLayerNorm"), 1)
        XCTAssertEqual(after.nodes.map(\.opType), ["SkipLayerNorm", "Add"])
        XCTAssertEqual(after.nodes[0].outputs.count, 2)
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testBroadcastingAddDoesNotFuseIntoSkipLayerNorm() throws {
        var b = TinyGraph(opset: 17)
        let x = b.input("x", [2, 3, 8]), r = b.input("r", [3, 8])
        let sum = b.op("Add", [x, r])
        b.output(b.op("LayerNormalization", [sum, b.weight([8], seed: 1), b.weight([8], seed: 2)]))
        let (after, report) = try Surgeon.run(b.graph, options: options)
        XCTAssertEqual(report.matches("SkipLayerNorm"), 0)
        XCTAssertEqual(after.nodes.map(\.opType), ["Add", "LayerNorm"])
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }
}
