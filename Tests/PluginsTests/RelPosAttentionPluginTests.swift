import IR
import Kernels
import Plugins
import Reference
import XCTest
import _TestSupport

/// RelPosAttention against the unfused WeNet block (ONNX ops through the
/// reference executor), every tactic, with prefix masks, holes and an item
/// whose keys are all masked.
final class RelPosAttentionPluginTests: XCTestCase {
    private let pool = ThreadPool(threads: 2)
    private typealias N = PluginCheck

    func testMatchesUnfusedBlockForEveryTacticAndMaskForm() throws {
        let (b, t, h, d) = (3, 6, 2, 3)
        let c = h * d
        let x = TestTensors.uniform([b, t, c], seed: 1), pos = TestTensors.uniform([1, t, c], seed: 2)
        let w = (0..<5).map { TestTensors.uniform([c, c], seed: 10 + UInt64($0)) }
        let bias = (0..<4).map { TestTensors.uniform([c], seed: 20 + UInt64($0)) }
        let u = TestTensors.uniform([h, d], seed: 30), v = TestTensors.uniform([h, d], seed: 31)
        // Item 0 keeps all keys, item 1 a prefix with a hole, item 2 none.
        let keep: [Bool] = [true, true, true, true, true, true, true, false, true, true, false, false,
                            false, false, false, false, false, false]
        let graph = Self.unfused(b: b, t: t, h: h, d: d, w: w, bias: bias, u: u, v: v)
        let expected = try N.reference(graph, ["x": x, "pos": pos, "mask": Tensor(keep, shape: [b, 1, t])])
        XCTAssertFalse(expected.floats!.contains { $0.isNaN })
        var packed: [Float] = []
        for r in 0..<c { for k in 0..<3 { packed += w[k].floats![(r * c)..<((r + 1) * c)] } }
        let wqkv = Tensor(packed, shape: [c, 3 * c]), bqkv = Tensor(bias[0].floats! + bias[1].floats! + bias[2].floats!, shape: [3 * c])
        let masks: [(Tensor, String)] = [
            (Tensor(keep, shape: [b, 1, t]), "zero"),
            (Tensor(keep.map { Int32($0 ? 1 : 0) }, shape: [b, 1, t]), "zero"),
            (Tensor(keep.map { Float($0 ? 0 : 1) }, shape: [b, 1, 1, t]), "nonzero"),
            (Tensor(keep.map { Int64($0 ? 0 : 1) }, shape: [b, 1, 1, t]), "nonzero"),
        ]
        for (mask, when) in masks {
            let plugin = try RelPosAttentionPlugin(attributes: ["num_heads": .int(h), "scale": .float(1 / Float(d).squareRoot()),
                                                                "masked_when": .string(when)])
            let inputs: [Tensor?] = [x, wqkv, bqkv, pos, w[3], u, v, w[4], bias[3], mask]
            for tactic in plugin.tactics(inputShapes: inputs.map { $0!.shape }) {
                N.assertClose(try plugin.run(inputs, tactic: tactic, threads: pool)[0], expected, "\(tactic) \(mask.dataType) \(when)")
            }
        }
    }

    func testRejectsBadMaskAndAttributes() throws {
        XCTAssertThrowsError(try RelPosAttentionPlugin(attributes: ["num_heads": .int(2), "scale": .float(1),
                                                                    "masked_when": .string("negative")])) {
            XCTAssertTrue("\($0)".contains("masked_when"))
        }
        let plugin = try RelPosAttentionPlugin(attributes: ["num_heads": .int(1), "scale": .float(1)])
        let (b, t, c) = (1, 2, 2)
        let f = { (s: [Int]) in TestTensors.uniform(s, seed: 1) }
        let inputs: [Tensor?] = [f([b, t, c]), f([c, 3 * c]), f([3 * c]), f([1, t, c]), f([c, c]), f([1, c]), f([1, c]),
                                 f([c, c]), f([c]), Tensor([true], shape: [1])]
        XCTAssertThrowsError(try plugin.run(inputs, threads: pool)) { XCTAssertTrue("\($0)".contains("mask")) }
    }

    /// The WeNet relative-position attention block as ONNX ops.
    static func unfused(b: Int, t: Int, h: Int, d: Int, w: [Tensor], bias: [Tensor], u: Tensor, v: Tensor) -> Graph {
        let c = h * d
        var inits: [String: Tensor] = ["heads": Tensor([0, 0, Int64(h), Int64(d)], shape: [4]),
                                       "merged": Tensor([0, 0, Int64(c)], shape: [3]), "u": u, "v": v,
                                       "scale": Tensor(scalar: Float(d).squareRoot()), "axis1": Tensor([1] as [Int64], shape: [1]),
                                       "false": Tensor([false], shape: []), "ninf": Tensor(scalar: -Float.infinity), "zero": Tensor(scalar: Float(0))]
        for k in 0..<5 { inits["w\(k)"] = w[k] }
        for k in 0..<4 { inits["b\(k)"] = bias[k] }
        let n = N.node
        var nodes: [Node] = []
        for (k, name) in ["q", "k", "v"].enumerated() {
            nodes += [n("MatMul", ["x", "w\(k)"], "\(name)m", [:]), n("Add", ["\(name)m", "b\(k)"], "\(name)a", [:]),
                      n("Reshape", ["\(name)a", "heads"], "\(name)r", [:])]
        }
        nodes += [n("MatMul", ["pos", "w3"], "pm", [:]), n("Reshape", ["pm", "heads"], "pr", [:]),
                  n("Transpose", ["pr"], "pt", ["perm": .ints([0, 2, 3, 1])]),
                  n("Transpose", ["kr"], "kt", ["perm": .ints([0, 2, 3, 1])]),
                  n("Transpose", ["vr"], "vt", ["perm": .ints([0, 2, 1, 3])]),
                  n("Add", ["qr", "u"], "qu", [:]), n("Transpose", ["qu"], "qut", ["perm": .ints([0, 2, 1, 3])]),
                  n("Add", ["qr", "v"], "qv", [:]), n("Transpose", ["qv"], "qvt", ["perm": .ints([0, 2, 1, 3])]),
                  n("MatMul", ["qut", "kt"], "ac", [:]), n("MatMul", ["qvt", "pt"], "bd", [:]), n("Add", ["ac", "bd"], "s", [:]),
                  n("Div", ["s", "scale"], "sd", [:]), n("Unsqueeze", ["mask", "axis1"], "mu", [:]), n("Equal", ["mu", "false"], "cond", [:]),
                  n("Where", ["cond", "ninf", "sd"], "sm", [:]), n("Softmax", ["sm"], "p", ["axis": .int(-1)]),
                  n("Where", ["cond", "zero", "p"], "pz", [:]), n("MatMul", ["pz", "vt"], "ctx", [:]),
                  n("Transpose", ["ctx"], "ctxt", ["perm": .ints([0, 2, 1, 3])]), n("Reshape", ["ctxt", "merged"], "cm", [:]),
                  n("MatMul", ["cm", "w4"], "om", [:]), n("Add", ["om", "b3"], "y", [:])]
        return N.graph(nodes, inputs: ["x", "pos", "mask"], outputs: ["y"], initializers: inits)
    }
}
