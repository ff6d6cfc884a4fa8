import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// GELU, Swish, Linear (with epilogues) and Conv+BatchNorm: before/after on
/// random inputs, op counts, and near misses.
final class ActivationFusionTests: XCTestCase {
    func testGeluErfFormsFuse() throws {
        for form in 0..<3 {
            var b = TinyGraph()
            let x = b.input("x", [3, 10])
            let erf = b.op("Erf", [b.op("Div", [x, b.scalar(1.4142135)])])
            let onePlus = b.op("Add", [erf, b.scalar(1)])
            let y: String
            switch form {
            case 0: y = b.op("Mul", [b.op("Mul", [x, b.scalar(0.5)]), onePlus])
            case 1: y = b.op("Mul", [x, b.op("Mul", [onePlus, b.scalar(0.5)])])
            default: y = b.op("Mul", [b.op("Mul", [x, onePlus]), b.scalar(0.5)])
            }
            b.output(y)
            let (after, _) = try Surgeon.run(b.graph, options: SurgeonOptions(fuse: ["Gelu"]))
            XCTAssertEqual(after.nodes.map(\.opType), ["Gelu"], "form \(form)")
            try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
        }
    }

    func testGeluWithWrongConstantDoesNotFuse() throws {
        var b = TinyGraph()
        let x = b.input("x", [3, 10])
        let onePlus = b.op("Add", [b.op("Erf", [b.op("Div", [x, b.scalar(2)])]), b.scalar(1)])
        b.output(b.op("Mul", [b.op("Mul", [x, b.scalar(0.5)]), onePlus]))
        let (after, _) = try Surgeon.run(b.graph, options: SurgeonOptions(fuse: ["Gelu"]))
        XCTAssertEqual(PassTest.count(after, "Gelu", domain: workbenchDomain), 0)
    }

    func testSwishFuses() throws {
        var b = TinyGraph()
        let x = b.input("x", [5, 3])
        b.output(b.op("Mul", [b.op("Sigmoid", [x]), x]))
        let (after, _) = try Surgeon.run(b.graph, options: SurgeonOptions(fuse: ["Swish"]))
        XCTAssertEqual(after.nodes.map(\.opType), ["Swish"])
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testSigmoidOfAnotherValueIsNotSwish() throws {
        var b = TinyGraph()
        let x = b.input("x", [5, 3]), z = b.input("z", [5, 3])
        b.output(b.op("Mul", [b.op("Sigmoid", [z]), x]))
        let (after, _) = try Surgeon.run(b.graph, options: SurgeonOptions(fuse: ["Swish"]))
        XCTAssertEqual(after.nodes.map(\.opType), ["Sigmoid", "Mul"])
    }

    /// `(x·W + b)` → Swish → ×0.5 → + residual: one Linear over B·T rows.
    func testLinearTakesBiasActivationAndResidual() throws {
        var b = TinyGraph()
        let x = b.input("x", [2, 5, 7])
        let h = b.op("Add", [b.op("MatMul", [x, b.weight([7, 6], seed: 1)]), b.weight([6], seed: 2)])
        let act = b.op("Mul", [h, b.op("Sigmoid", [h])])
        let y = b.op("Add", [b.op("MatMul", [act, b.weight([6, 7], seed: 3)]), x])
        b.output(y)
        let (after, report) = try Surgeon.run(b.graph)
        XCTAssertEqual(after.nodes.map(\.opType), ["Linear", "Linear"])
        XCTAssertEqual(after.nodes[0].attributes["activation"], .string("swish"))
        XCTAssertEqual(after.nodes[1].inputs.count, 4, "residual folded into the second GEMM")
        XCTAssertGreaterThan(report.matches("Linear"), 2)
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testLinearFoldsScaleIntoAlphaAndBias() throws {
        var b = TinyGraph()
        let x = b.input("x", [3, 4])
        let h = b.op("Add", [b.op("MatMul", [x, b.weight([4, 5], seed: 1)]), b.weight([5], seed: 2)])
        b.output(b.op("Relu", [b.op("Mul", [h, b.scalar(0.5)])]))
        let (after, _) = try Surgeon.run(b.graph)
        XCTAssertEqual(after.nodes.map(\.opType), ["Linear"])
        XCTAssertEqual(after.nodes[0].attributes["alpha"], .float(0.5))
        XCTAssertEqual(after.nodes[0].attributes["activation"], .string("relu"))
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testBiasBroadcastOverRowsIsNotFolded() throws {
        var b = TinyGraph()
        let x = b.input("x", [5, 4])
        b.output(b.op("Add", [b.op("MatMul", [x, b.weight([4, 5], seed: 1)]), b.weight([5, 1], seed: 2)]))
        let (after, _) = try Surgeon.run(b.graph)
        XCTAssertEqual(after.nodes.map(\.opType), ["Linear", "Add"])
        XCTAssertEqual(after.nodes[0].inputs.count, 2)
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testBatchNormFoldsIntoConv() throws {
        var b = TinyGraph()
        let x = b.input("x", [2, 3, 11])
        let conv = b.op("Conv", [x, b.weight([4, 3, 3], seed: 1), b.weight([4], seed: 2)], ["pads": .ints([1, 1])])
        let variance = b.constant(TestTensors.uniform([4], in: 0.5...2, seed: 6))
        let bn = b.op("BatchNormalization", [conv, b.weight([4], seed: 3), b.weight([4], seed: 4), b.weight([4], seed: 5), variance])
        b.output(bn)
        let (after, _) = try Surgeon.run(b.graph, options: SurgeonOptions(fuse: ["ConvBatchNorm"]))
        XCTAssertEqual(after.nodes.map(\.opType), ["Conv"])
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testGLUFuses() throws {
        var b = TinyGraph(opset: 13)
        let x = b.input("x", [2, 8, 5])
        let a = b.op("Split", [x], ["axis": .int(1)], outputs: 2)
        b.output(b.op("Mul", [a, b.op("Sigmoid", [a.replacingOccurrences(of: "_0", with: "_1")])]))
        let (after, _) = try Surgeon.run(b.graph, options: SurgeonOptions(fuse: ["GLU"]))
        XCTAssertEqual(after.nodes.map(\.opType), ["GLU"])
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }

    func testGateOnFirstHalfIsNotGLU() throws {
        var b = TinyGraph(opset: 13)
        let x = b.input("x", [2, 8, 5])
        let a = b.op("Split", [x], ["axis": .int(1)], outputs: 2)
        b.output(b.op("Mul", [a.replacingOccurrences(of: "_0", with: "_1"), b.op("Sigmoid", [a])]))
        let (after, _) = try Surgeon.run(b.graph, options: SurgeonOptions(fuse: ["GLU"]))
        XCTAssertEqual(PassTest.count(after, "GLU", domain: workbenchDomain), 0)
        try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
    }
}
