import IR
import Plugins

/// WeNet's `Conv2dSubsampling4` front end becomes one `com.workbench::Conv2dSubsampling`:
///
///     x[B,T,F] ─▶ (Unsqueeze axis 1) ─▶ Conv(W1[C,1,3,3], b1; /2) ─▶ Relu ─▶ Conv(W2[C,C,3,3], b2; /2) ─▶ Relu
///       ─▶ Transpose(0,2,1,3) ─▶ Reshape([B, T'', C·F'']) ─▶ y
///       ==>   x ─▶ Conv2dSubsampling(W1, b1, W2, b2) ─▶ y
///
/// The Unsqueeze is absorbed when the first Conv is its only consumer;
/// otherwise the plugin takes the [B, 1, T, F] tensor. Checks: float32 input
/// with a static feature dim, constant float weights of those shapes,
/// biases absent (zeros are added) or constant [C], kernel 3×3, strides 2,
/// no padding, dilations 1, group 1, every interior value consumed only
/// inside the chain, and a Reshape target that keeps B and T'' and merges C
/// and F'' (`0` or the static value for B and T'', `-1` for one of the last two).
struct SubsamplingFusion: GraphPass {
    let name = "Conv2dSubsampling"

    static func chain(_ input: Pattern) -> Pattern {
        let conv1 = Pattern.op("Conv", input, .constant("w1"), as: "conv1")
        let conv2 = Pattern.op("Conv", .op("Relu", conv1), .constant("w2"), as: "conv2")
        return .op("Reshape", .op("Transpose", .op("Relu", conv2), as: "transpose"), .constant("shape"), as: "reshape")
    }

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(Conv2dSubsamplingPlugin.name) else { return 0 }
        var count = 0
        for (pattern, absorbs) in [(Self.chain(.op("Unsqueeze", .any("x"), as: "unsqueeze")), true), (Self.chain(.any("x")), false)] {
            count += try editor.rewriteAll(pattern) { e, m in
                guard let inputs = try fusedInputs(&e, m, context, absorbsUnsqueeze: absorbs) else { return nil }
                return [e.pluginNode(Conv2dSubsamplingPlugin.name, m, inputs: inputs, outputs: e.outputs(m))]
            }
        }
        return count
    }

    /// The plugin's inputs `[x, W1, b1, W2, b2]` when every check passes.
    private func fusedInputs(_ e: inout GraphEditor, _ m: Match, _ context: PassContext, absorbsUnsqueeze: Bool) throws -> [String]? {
        guard context.isFloat(m["x"]), let xs = context.shape(m["x"]), let f = xs.dims.last?.value,
              let conv1 = e.node(m.nodes["conv1"]!), let conv2 = e.node(m.nodes["conv2"]!),
              let w1 = e.constant(m["w1"]), let w2 = e.constant(m["w2"]), w2.shape.count == 4 else { return nil }
        let c = w2.shape[0]
        guard w1.dataType == .float32, w2.dataType == .float32, w1.shape == [c, 1, 3, 3], w2.shape == [c, c, 3, 3],
              try isPlainStride2(conv1), try isPlainStride2(conv2) else { return nil }
        if absorbsUnsqueeze {
            guard xs.rank == 3, let u = e.node(m.nodes["unsqueeze"]!), try unsqueezeAxes(u, e) == [1] else { return nil }
        } else {
            guard xs.rank == 4, xs[1].value == 1 else { return nil }
        }
        let f2 = ((f - 1) / 2 - 1) / 2
        guard f2 >= 1, let reshape = e.node(m.nodes["reshape"]!), let transpose = e.node(m.nodes["transpose"]!),
              try transpose.ints("perm") == [0, 2, 1, 3],
              try isMergingReshape(reshape, e, merged: c * f2, outer: context.shape(m["transpose"])) else { return nil }
        guard let b1 = bias(conv1, c, &e), let b2 = bias(conv2, c, &e) else { return nil }
        return [m["x"], m["w1"], b1, m["w2"], b2]
    }

    /// True for a 3×3 Conv of stride 2 with no padding, dilation 1 and one group.
    private func isPlainStride2(_ conv: Node) throws -> Bool {
        let autoPad = try conv.string("auto_pad", default: "NOTSET")
        return try conv.ints("kernel_shape", default: [3, 3]) == [3, 3] && conv.ints("strides", default: [1, 1]) == [2, 2]
            && conv.ints("dilations", default: [1, 1]) == [1, 1] && conv.int("group", default: 1) == 1
            && (conv.ints("pads", default: [0, 0, 0, 0]) ?? []).allSatisfy { $0 == 0 }
            && (autoPad == "NOTSET" || autoPad == "VALID")
    }

    /// The Unsqueeze's axes (opset 13 input, or the older attribute).
    private func unsqueezeAxes(_ u: Node, _ e: GraphEditor) throws -> [Int]? {
        if let a = u.input(1) { return e.constant(a)?.intValues() }
        return try u.ints("axes")
    }

    /// True when Reshape(`[B, T'', C, F'']`) gives `[B, T'', merged]`: the target is
    /// `[0 | B, 0 | -1 | T'', merged | -1]` with at most one `-1`, and `allowzero` is off
    /// wherever a 0 appears.
    private func isMergingReshape(_ reshape: Node, _ e: GraphEditor, merged: Int, outer: Shape?) throws -> Bool {
        guard let target = reshape.input(1).flatMap({ e.constant($0)?.intValues() }), target.count == 3,
              let outer, outer.rank == 4 else { return false }
        if target.contains(0), try reshape.int("allowzero", default: 0) != 0 { return false }
        let (s0, s1, s2) = (target[0], target[1], target[2])
        let keepsB = s0 == 0 || (s0 > 0 && outer[0].value == s0)
        let keepsT = s1 == 0 || (s1 > 0 && outer[1].value == s1)
        return keepsB && ((keepsT && (s2 == merged || s2 == -1)) || (s1 == -1 && s2 == merged))
    }

    /// The Conv's bias as a `[C]` initializer (zeros when absent); nil when it is not a constant float `[C]`.
    private func bias(_ conv: Node, _ c: Int, _ e: inout GraphEditor) -> String? {
        guard let b = conv.input(2), !b.isEmpty else {
            return e.addInitializer(Tensor([Float](repeating: 0, count: c), shape: [c]), hint: "\(conv.name)_bias")
        }
        guard let t = e.constant(b), t.dataType == .float32, t.count == c else { return nil }
        return e.vector(b)
    }
}
