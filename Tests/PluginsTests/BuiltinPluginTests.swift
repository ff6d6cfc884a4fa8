import IR
import Kernels
import Plugins
import Reference
import XCTest
import _TestSupport

/// Every built-in plugin against the unfused subgraph it replaces, run by the
/// reference executor, over odd sizes (tails that fit no SIMD width).
final class BuiltinPluginTests: XCTestCase {
    private let pool = ThreadPool(threads: 2)
    private typealias N = PluginCheck

    func testRegistryListsEveryBuiltin() {
        // A fresh registry: the shared one also holds whatever other modules
        // (the engine's own layers, user plugins) registered in this process.
        let names = Set(PluginRegistry(registeringBuiltins: true).all.map { $0.name })
        XCTAssertEqual(names, ["LayerNorm", "SkipLayerNorm", "Linear", "Swish", "Gelu", "Attention", "GLU",
                               "RelPosAttention", "LengthMask", "DepthwiseConv1d", "Conv2dSubsampling"])
        let shared = Set(PluginRegistry.shared.all.filter { $0.domain == workbenchDomain }.map { $0.name })
        XCTAssertTrue(names.isSubset(of: shared), "every built-in is in the shared registry")
    }

    func testLayerNormMatchesOnnxOp() throws {
        for shape in [[3, 7], [2, 5, 13], [1, 1]] {
            let c = shape.last!
            let x = TestTensors.uniform(shape, seed: 1), g = TestTensors.uniform([c], seed: 2), b = TestTensors.uniform([c], seed: 3)
            let graph = N.graph([N.node("LayerNormalization", ["x", "g", "b"], "y", ["epsilon": .float(1e-6)])],
                                inputs: ["x"], outputs: ["y"], initializers: ["g": g, "b": b])
            let expected = try N.reference(graph, ["x": x])
            let plugin = try LayerNormPlugin(attributes: ["epsilon": .float(1e-6)])
            N.assertClose(try plugin.run([x, g, b], threads: pool)[0], expected, "LayerNorm \(shape)")
        }
    }

    func testSkipLayerNormMatchesAddThenLayerNorm() throws {
        let x = TestTensors.uniform([3, 5, 11], seed: 1), s = TestTensors.uniform([3, 5, 11], seed: 4)
        let g = TestTensors.uniform([11], seed: 2), b = TestTensors.uniform([11], seed: 3)
        let graph = N.graph([N.node("Add", ["x", "s"], "sum"), N.node("LayerNormalization", ["sum", "g", "b"], "y")],
                            inputs: ["x", "s"], outputs: ["y", "sum"], initializers: ["g": g, "b": b])
        let out = try ReferenceExecutor(graph: graph).run(["x": x, "s": s])
        let got = try SkipLayerNormPlugin(attributes: [:]).run([x, s, g, b], threads: pool)
        N.assertClose(got[0], out["y"]!, "Y")
        N.assertClose(got[1], out["sum"]!, "sum")
    }

    func testLinearMatchesMatMulAddActivationResidual() throws {
        let cases: [(String, String?)] = [("none", nil), ("relu", "Relu"), ("sigmoid", "Sigmoid"), ("gelu", nil), ("swish", nil)]
        for (act, op) in cases {
            let x = TestTensors.uniform([2, 5, 7], seed: 1), w = TestTensors.uniform([7, 9], seed: 2)
            let b = TestTensors.uniform([9], seed: 3), r = TestTensors.uniform([2, 5, 9], seed: 4)
            var nodes = [N.node("MatMul", ["x", "w"], "m"), N.node("Mul", ["m", "alpha"], "ma"), N.node("Add", ["ma", "b"], "h")]
            var last = "h"
            switch act {
            case "gelu": nodes.append(N.node("Gelu", [last], "a")); last = "a"
            case "swish": nodes += [N.node("Sigmoid", [last], "sg"), N.node("Mul", [last, "sg"], "a")]; last = "a"
            default: if let op { nodes.append(N.node(op, [last], "a")); last = "a" }
            }
            nodes.append(N.node("Add", [last, "r"], "y"))
            let graph = N.graph(nodes, inputs: ["x", "r"], outputs: ["y"], initializers: ["w": w, "b": b, "alpha": Tensor(scalar: 0.75)], opset: 20)
            let expected = try N.reference(graph, ["x": x, "r": r])
            let plugin = try LinearPlugin(attributes: ["activation": .string(act), "alpha": .float(0.75)])
            N.assertClose(try plugin.run([x, w, b, r], threads: pool)[0], expected, "Linear \(act)")
        }
    }

    func testGeluAndSwishMatchTheirSubgraphs() throws {
        let x = TestTensors.uniform([3, 17], in: -4...4, seed: 5)
        for approx in ["none", "tanh"] {
            let graph = N.graph([N.node("Gelu", ["x"], "y", ["approximate": .string(approx)])], inputs: ["x"], outputs: ["y"], opset: 20)
            let got = try GeluPlugin(attributes: ["approximate": .string(approx)]).run([x], threads: pool)[0]
            N.assertClose(got, try N.reference(graph, ["x": x]), "Gelu \(approx)")
        }
        let swish = N.graph([N.node("Sigmoid", ["x"], "s"), N.node("Mul", ["x", "s"], "y")], inputs: ["x"], outputs: ["y"])
        N.assertClose(try SwishPlugin(attributes: [:]).run([x], threads: pool)[0], try N.reference(swish, ["x": x]), "Swish")
    }

    /// Both attention tactics against the unfused BERT block, with a [B,1,1,S] mask.
    func testAttentionMatchesUnfusedBlock() throws {
        let (b, s, h, d) = (2, 5, 3, 3)
        let c = h * d
        let x = TestTensors.uniform([b, s, c], seed: 1), w = TestTensors.uniform([c, 3 * c], seed: 2)
        let bias = TestTensors.uniform([3 * c], seed: 3), mask = TestTensors.uniform([b, 1, 1, s], in: -3...0, seed: 4)
        let expected = try N.reference(Self.unfusedAttention(b: b, s: s, h: h, d: d, w: w, bias: bias), ["x": x, "mask": mask])
        let plugin = try AttentionPlugin(attributes: ["num_heads": .int(h), "scale": .float(1 / Float(d).squareRoot())])
        for tactic in plugin.tactics(inputShapes: [[b, s, c]]) {
            N.assertClose(try plugin.run([x, w, bias, mask], tactic: tactic, threads: pool)[0], expected, tactic)
        }
    }

    func testGLUMatchesSplitSigmoidMul() throws {
        for (shape, axis) in [([2, 6, 5], 1), ([3, 10], -1), ([1, 2, 3], 1)] {
            let x = TestTensors.uniform(shape, seed: 9)
            let graph = N.graph([Node(name: "split", opType: "Split", inputs: ["x"], outputs: ["a", "b"], attributes: ["axis": .int(axis)]),
                                 N.node("Sigmoid", ["b"], "g"), N.node("Mul", ["a", "g"], "y")], inputs: ["x"], outputs: ["y"], opset: 13)
            let got = try GLUPlugin(attributes: ["axis": .int(axis)]).run([x], threads: pool)[0]
            N.assertClose(got, try N.reference(graph, ["x": x]), "GLU \(shape) axis \(axis)")
        }
    }

    func testInvalidAttributesAreNamed() {
        XCTAssertThrowsError(try AttentionPlugin(attributes: ["num_heads": .int(0), "scale": .float(1)])) {
            XCTAssertTrue("\($0)".contains("num_heads"))
        }
        XCTAssertThrowsError(try LinearPlugin(attributes: ["activation": .string("tanh")])) {
            XCTAssertTrue("\($0)".contains("activation"))
        }
        XCTAssertThrowsError(try LayerNormPlugin(attributes: ["epsilon": .string("small")])) {
            XCTAssertTrue("\($0)".contains("epsilon"))
        }
        XCTAssertThrowsError(try SwishPlugin(attributes: ["alpha": .float(1)]))
        XCTAssertThrowsError(try LinearPlugin(attributes: [:]).outputTypes([ValueType(.float32, [2, 3]), ValueType(.float32, [4, 5])]))
    }

    /// The BERT attention block as ONNX ops (what `AttentionFusion` replaces).
    static func unfusedAttention(b: Int, s: Int, h: Int, d: Int, w: Tensor, bias: Tensor) -> Graph {
        let c = h * d
        var inits: [String: Tensor] = ["heads": Tensor([Int64(b), Int64(s), Int64(h), Int64(d)], shape: [4]),
                                       "merged": Tensor([Int64(b), Int64(s), Int64(c)], shape: [3]),
                                       "scale": Tensor(scalar: Float(d).squareRoot())]
        var nodes: [Node] = []
        let wv = w.floats!, bv = bias.floats!
        for (k, name) in ["q", "k", "v"].enumerated() {
            var part: [Float] = []
            for r in 0..<c {
                let start = r * 3 * c + k * c
                part += wv[start..<(start + c)]
            }
            inits["w\(name)"] = Tensor(part, shape: [c, c])
            inits["b\(name)"] = Tensor(Array(bv[(k * c)..<((k + 1) * c)]), shape: [c])
            let perm: [Int] = name == "k" ? [0, 2, 3, 1] : [0, 2, 1, 3]
            nodes.append(PluginCheck.node("MatMul", ["x", "w\(name)"], "\(name)m"))
            nodes.append(PluginCheck.node("Add", ["\(name)m", "b\(name)"], "\(name)a"))
            nodes.append(PluginCheck.node("Reshape", ["\(name)a", "heads"], "\(name)r"))
            nodes.append(PluginCheck.node("Transpose", ["\(name)r"], "\(name)t", ["perm": .ints(perm)]))
        }
        nodes += [PluginCheck.node("MatMul", ["qt", "kt"], "sc"), PluginCheck.node("Div", ["sc", "scale"], "scd"),
                  PluginCheck.node("Add", ["scd", "mask"], "scm"), PluginCheck.node("Softmax", ["scm"], "p", ["axis": .int(-1)]),
                  PluginCheck.node("MatMul", ["p", "vt"], "ctx"), PluginCheck.node("Transpose", ["ctx"], "ctxt", ["perm": .ints([0, 2, 1, 3])]),
                  PluginCheck.node("Reshape", ["ctxt", "merged"], "y")]
        return PluginCheck.graph(nodes, inputs: ["x", "mask"], outputs: ["y"], initializers: inits)
    }
}
