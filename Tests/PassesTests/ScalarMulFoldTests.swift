import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// Scalar Mul/Div next to a Linear folds into its weights; a vector, a
/// run-time scalar or a shared intermediate does not.
final class ScalarMulFoldTests: XCTestCase {
    enum Scale { case constant(Float), vector, runtime }

    /// x[2, 3, 4] ─▶ Mul|Div(s) ─▶ MatMul(W) ─▶ Add(b) [─▶ Div(d)] ─▶ y
    static func graph(_ op: String = "Mul", _ scale: Scale = .constant(0.5), after: Float? = nil, shared: Bool = false) -> Graph {
        var b = TinyGraph()
        let x = b.input("x", [2, 3, 4])
        let s: String
        switch scale {
        case .constant(let v): s = b.scalar(v)
        case .vector: s = b.weight([4], seed: 5)
        case .runtime: s = b.input("s", [1])
        }
        let scaled = b.op(op, [x, s])
        var y = b.op("Add", [b.op("MatMul", [scaled, b.weight([4, 6], seed: 1)]), b.weight([6], seed: 2)])
        if let after { y = b.op("Div", [y, b.scalar(after)]) }
        b.output(y)
        if shared { b.output(scaled) }
        return b.graph
    }

    func testScalarBeforeLinearFoldsIntoWeights() throws {
        for op in ["Mul", "Div"] {
            let g = Self.graph(op, .constant(op == "Mul" ? 0.5 : 8))
            let (after, report) = try Surgeon.run(g)
            XCTAssertEqual(report.matches("ScalarMul"), 1, op)
            XCTAssertEqual(after.nodes.map(\.opType), ["Linear"], op)
            try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
        }
    }

    func testDivAfterLinearFoldsIntoAlphaAndBias() throws {
        let g = Self.graph("Mul", .constant(0.5), after: 4)
        let (after, report) = try Surgeon.run(g)
        XCTAssertEqual(report.matches("ScalarMul"), 2)
        XCTAssertEqual(after.nodes.map(\.opType), ["Linear"])
        XCTAssertEqual(after.nodes[0].attributes["alpha"], .float(0.25))
        try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
    }

    func testNonScalarRuntimeOrSharedScaleDoesNotFold() throws {
        let misses: [(String, Graph)] = [
            ("vector", Self.graph("Mul", .vector)), ("runtime scalar", Self.graph("Mul", .runtime)),
            ("shared", Self.graph("Mul", .constant(0.5), shared: true)), ("divide by zero", Self.graph("Div", .constant(0))),
        ]
        for (what, g) in misses {
            let (after, report) = try Surgeon.run(g)
            XCTAssertEqual(report.matches("ScalarMul"), 0, what)
            XCTAssertEqual(PassTest.count(after, "Linear", domain: workbenchDomain), 1, what)
            if what != "divide by zero" { try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g)) }
        }
    }

    /// A Linear whose output is read twice keeps the scale outside (LinearFusion's Mul and this Div).
    func testLinearOutputWithSecondConsumerKeepsItsScale() throws {
        for op in ["Mul", "Div"] {
            var b = TinyGraph()
            let lin = b.op("MatMul", [b.input("x", [3, 4]), b.weight([4, 5], seed: 1)])
            b.output(b.op(op, [lin, b.scalar(2)]), lin)
            let (after, _) = try Surgeon.run(b.graph)
            XCTAssertEqual(PassTest.count(after, op), 1, op)
            try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
        }
    }
}
