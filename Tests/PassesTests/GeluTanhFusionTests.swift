import IR
import Passes
import Plugins
import XCTest
import _TestSupport

/// The tanh GELU in its exporters' spellings becomes Gelu(approximate tanh)
/// and then the Linear's `gelu_tanh` epilogue; a wrong constant does not fuse.
final class GeluTanhFusionTests: XCTestCase {
    enum Form: CaseIterable { case huggingFace, gpt2, megatron }

    /// x[2, 5, 4] ─▶ MatMul(W) ─▶ tanh-GELU written as `form` ─▶ y
    static func graph(_ form: Form, cubic: Float = 0.044715, matmul: Bool = true, tanhIsOutput: Bool = false) -> Graph {
        var b = TinyGraph()
        var x = b.input("x", [2, 5, 4])
        if matmul { x = b.op("MatMul", [x, b.weight([4, 6], seed: 1)]) }
        let c = b.scalar(0.7978845608)
        let inner: String
        switch form {
        case .huggingFace:  // 0.5 * x * (1 + tanh(c * (x + 0.044715 * pow(x, 3))))
            let cube = b.op("Pow", [x, b.scalar(3)])
            inner = b.op("Mul", [c, b.op("Add", [x, b.op("Mul", [b.scalar(cubic), cube])])])
        case .gpt2:  // x * 0.5 * (1 + tanh(c * (x + 0.044715 * x * x * x)))
            let cube = b.op("Mul", [b.op("Mul", [x, x]), x])
            inner = b.op("Mul", [b.op("Add", [x, b.op("Mul", [cube, b.scalar(cubic)])]), c])
        case .megatron:  // x * 0.5 * (1 + tanh(c * x * (1 + 0.044715 * x * x)))
            let square = b.op("Mul", [b.op("Mul", [b.scalar(cubic), x]), x])
            inner = b.op("Mul", [b.op("Mul", [c, x]), b.op("Add", [b.scalar(1), square])])
        }
        let tanh = b.op("Tanh", [inner])
        let onePlus = b.op("Add", [b.scalar(1), tanh])
        let y = form == .huggingFace ? b.op("Mul", [b.op("Mul", [b.scalar(0.5), x]), onePlus])
                                     : b.op("Mul", [b.op("Mul", [x, b.scalar(0.5)]), onePlus])
        b.output(y)
        if tanhIsOutput { b.output(tanh) }
        return b.graph
    }

    func testExporterFormsFuseIntoTheLinearEpilogue() throws {
        for form in Form.allCases {
            let g = Self.graph(form)
            let (after, report) = try Surgeon.run(g)
            XCTAssertEqual(report.matches("GeluTanh"), 1, "\(form)")
            XCTAssertEqual(after.nodes.map(\.opType), ["Linear"], "\(form)")
            XCTAssertEqual(after.nodes.first?.attributes["activation"], .string("gelu_tanh"), "\(form)")
            try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
        }
    }

    func testStandaloneFormBecomesGeluPlugin() throws {
        let g = Self.graph(.gpt2, matmul: false)
        let (after, _) = try Surgeon.run(g)
        XCTAssertEqual(after.nodes.map(\.opType), ["Gelu"])
        XCTAssertEqual(after.nodes.first?.attributes["approximate"], .string("tanh"))
        try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
    }

    func testWrongConstantOrSharedTanhDoesNotFuse() throws {
        for g in [Self.graph(.huggingFace, cubic: 0.04), Self.graph(.megatron, cubic: 0.0447), Self.graph(.gpt2, tanhIsOutput: true)] {
            let (after, report) = try Surgeon.run(g)
            XCTAssertEqual(report.matches("GeluTanh"), 0)
            XCTAssertEqual(PassTest.count(after, "Tanh"), 1)
            try PassTest.assertSameOutputs(g, after, PassTest.randomFeeds(g))
        }
    }

    /// The opset-20 Gelu op, both approximations, becomes the plugin (and the Linear epilogue after a MatMul).
    func testOpset20GeluOp() throws {
        for (approximate, activation) in [("tanh", "gelu_tanh"), ("none", "gelu")] {
            var b = TinyGraph(opset: 20)
            let h = b.op("MatMul", [b.input("x", [3, 4]), b.weight([4, 5], seed: 1)])
            b.output(b.op("Gelu", [h], ["approximate": .string(approximate)]))
            let (after, _) = try Surgeon.run(b.graph)
            XCTAssertEqual(after.nodes.map(\.opType), ["Linear"], approximate)
            XCTAssertEqual(after.nodes.first?.attributes["activation"], .string(activation), approximate)
            try PassTest.assertSameOutputs(b.graph, after, PassTest.randomFeeds(b.graph))
        }
    }
}
