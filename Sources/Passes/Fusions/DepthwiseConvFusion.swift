import IR
import Plugins

/// Depthwise 1-D Conv (BatchNorm already folded in) and the activation after
/// it become one `com.workbench::DepthwiseConv1d`:
///
///     x[B,C,T] ──▶ Conv(W[C,1,K], b; group C) ──▶ Swish | Relu | Sigmoid ──▶ y
///       ==>   x ──▶ DepthwiseConv1d(W, b; pads, activation) ──▶ y
///
/// A depthwise Conv without an activation becomes the plugin too. Checks:
/// float32 input of rank 3 with C static, `group` = C = W's first dim, W
/// constant [C, 1, K], bias absent or a constant [C], stride 1, dilation 1,
/// explicit pads (no `auto_pad`).
struct DepthwiseConvFusion: GraphPass {
    let name = "DepthwiseConv1d"

    static func conv() -> Pattern { .op("Conv", .any("x"), .constant("w"), as: "conv") }
    static let forms: [(Pattern, Activation)] = [
        (.plugin("Swish", conv()), .swish), (.op("Relu", conv()), .relu), (.op("Sigmoid", conv()), .sigmoid), (conv(), .none),
    ]

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(DepthwiseConv1dPlugin.name) else { return 0 }
        var count = 0
        for (pattern, act) in Self.forms {
            count += try editor.rewriteAll(pattern) { e, m in
                guard let conv = e.node(m.nodes["conv"]!), let pads = try depthwisePads(conv, e, m, context) else { return nil }
                var inputs = [m["x"], m["w"]]
                if let b = conv.input(2) { inputs.append(b) }
                return [e.pluginNode(DepthwiseConv1dPlugin.name, m, inputs: inputs, outputs: e.outputs(m),
                                     attributes: ["pads": .ints(pads), "activation": .string(act.rawValue)])]
            }
        }
        return count
    }

    /// The (begin, end) pads when `conv` is a plain stride-1 depthwise 1-D convolution.
    private func depthwisePads(_ conv: Node, _ e: GraphEditor, _ m: Match, _ context: PassContext) throws -> [Int]? {
        guard context.isFloat(m["x"]), let xs = context.shape(m["x"]), xs.rank == 3, let c = xs[1].value,
              let w = e.constant(m["w"]), w.dataType == .float32, w.shape.count == 3, w.shape[0] == c, w.shape[1] == 1,
              try conv.int("group", default: 1) == c, try conv.ints("strides", default: [1]) == [1],
              try conv.ints("dilations", default: [1]) == [1], try conv.string("auto_pad", default: "NOTSET") == "NOTSET",
              try conv.ints("kernel_shape", default: [w.shape[2]]) == [w.shape[2]] else { return nil }
        if let b = conv.input(2) { guard e.constant(b)?.count == c, e.constant(b)?.dataType == .float32 else { return nil } }
        let pads = try conv.ints("pads", default: [0, 0]) ?? [0, 0]
        return pads.count == 2 && pads.allSatisfy({ $0 >= 0 }) ? pads : nil
    }
}
