import IR
import Plugins

/// GELU fusion (the Erf form PyTorch and TensorFlow export).
///
///     x ──▶ Div(√2) ──▶ Erf ──▶ Add(1) ─┐
///     x ──▶ Mul(½) ─────────────────────▶ Mul ──▶ y     ==>   x ──▶ Gelu ──▶ y
///
/// Also `x · (½ · (1 + erf))`, `(x · (1 + erf)) · ½` and `Mul(1/√2)` for the
/// division. Checks: the constants are √2 (or 1/√2), 1 and ½ within 1e-4.
/// The opset-20 `Gelu` op (approximate none or tanh) becomes the plugin too;
/// the tanh form written out in arithmetic is ``GeluTanhFusion``'s.
struct GeluFusion: GraphPass {
    let name = "Gelu"

    static let onePlusErf = Pattern.op("Add", .op("Erf", .oneOf(["Div", "Mul"], .any("x"), .constant("c"), as: "scale")),
                                       .constant("one"))
    static let forms: [Pattern] = [
        .op("Mul", .op("Mul", .any("x"), .constant("half")), onePlusErf),
        .op("Mul", .any("x"), .op("Mul", onePlusErf, .constant("half"))),
        .op("Mul", .op("Mul", .any("x"), onePlusErf), .constant("half")),
    ]

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(GeluPlugin.name) else { return 0 }
        var count = 0
        for form in Self.forms {
            count += editor.rewriteAll(form) { e, m in
                guard context.isFloat(m["x"]), let c = e.scalar(m["c"]), let one = e.scalar(m["one"]),
                      let half = e.scalar(m["half"]), abs(one - 1) < 1e-4, abs(half - 0.5) < 1e-4 else { return nil }
                let isDiv = e.node(m.nodes["scale"]!)?.opType == "Div"
                guard abs(c - (isDiv ? 1.4142135 : 0.70710678)) < 1e-4 else { return nil }
                return [e.pluginNode(GeluPlugin.name, m, inputs: [m["x"]], outputs: e.outputs(m),
                                     attributes: ["approximate": .string("none")])]
            }
        }
        // The opset-20 Gelu op, either approximation.
        count += try editor.rewriteAll(.op("Gelu", .any("x"))) { e, m in
            guard context.isFloat(m["x"]), let g = e.node(m.matched[0]),
                  let a = try g.string("approximate", default: "none"), a == "none" || a == "tanh" else { return nil }
            return [e.pluginNode(GeluPlugin.name, m, inputs: [m["x"]], outputs: e.outputs(m), attributes: ["approximate": .string(a)])]
        }
        return count
    }
}

/// Swish (SiLU) fusion.
///
///     x ──▶ Sigmoid ──▶ Mul ──▶ y
///     └───────────────▶ ┘             ==>   x ──▶ Swish ──▶ y
struct SwishFusion: GraphPass {
    let name = "Swish"

    static let pattern = Pattern.op("Mul", .any("x"), .op("Sigmoid", .any("x")))

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(SwishPlugin.name) else { return 0 }
        return editor.rewriteAll(Self.pattern) { e, m in
            guard context.isFloat(m["x"]) else { return nil }
            return [e.pluginNode(SwishPlugin.name, m, inputs: [m["x"]], outputs: e.outputs(m))]
        }
    }
}

/// BatchNormalization folded into the Conv before it (inference statistics).
///
///     x ──▶ Conv(W, b) ──▶ BatchNormalization(γ, β, μ, σ²) ──▶ y
///       ==>   x ──▶ Conv(W', b') ──▶ y
///
/// with `s = γ / √(σ² + ε)`, `W'[o] = W[o] · s[o]`, `b' = (b − μ) · s + β`.
/// Checks: every parameter constant float32, one scale per output channel,
/// the BN's training outputs unused.
struct ConvBatchNormFold: GraphPass {
    let name = "ConvBatchNorm"

    static let pattern = Pattern.op("BatchNormalization", .op("Conv", .any("x"), .constant("w"), as: "conv"),
                                    .constant("gamma"), .constant("beta"), .constant("mean"), .constant("var"), as: "bn")

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        try editor.rewriteAll(Self.pattern) { e, m in
            guard let conv = e.node(m.nodes["conv"]!), let bn = e.node(m.nodes["bn"]!),
                  bn.outputs.dropFirst().allSatisfy({ $0.isEmpty || e.consumers(of: $0).isEmpty && !e.isGraphOutput($0) }),
                  (try bn.int("training_mode", default: 0)) == 0,
                  let w = e.constant(m["w"]), let wv = w.floats, w.rank >= 3 else { return nil }
            let oc = w.shape[0]
            let params = ["gamma", "beta", "mean", "var"].map { e.constant(m[$0]) }
            guard params.allSatisfy({ $0?.floats?.count == oc }) else { return nil }
            let (g, b, mu, v) = (params[0]!.floats!, params[1]!.floats!, params[2]!.floats!, params[3]!.floats!)
            let eps = try bn.float("epsilon", default: 1e-5) ?? 1e-5
            var bias = [Float](repeating: 0, count: oc)
            if let bName = conv.input(2) {
                guard let bt = e.constant(bName)?.floats, bt.count == oc else { return nil }
                bias = bt
            }
            let per = wv.count / max(oc, 1)
            var newW = wv
            var newB = bias
            for o in 0..<oc {
                let s = g[o] / (v[o] + eps).squareRoot()
                for j in 0..<per { newW[o * per + j] *= s }
                newB[o] = (bias[o] - mu[o]) * s + b[o]
            }
            var fused = conv
            fused.inputs = [m["x"], e.addInitializer(Tensor(newW, shape: w.shape), hint: "\(m["w"])_bn"),
                            e.addInitializer(Tensor(newB, shape: [oc]), hint: "\(conv.name)_bias_bn")]
            fused.outputs = [bn.outputs[0]]
            return [fused]
        }
    }
}

/// GLU fusion (the conformer convolution module's gate).
///
///     x ──▶ Split(axis) ──[0]──────────────▶ Mul ──▶ y
///                       └─[1]──▶ Sigmoid ──▶ ┘          ==>   x ──▶ GLU(axis) ──▶ y
///
/// Checks: two equal halves (no `split` sizes, or equal ones), output 0 gated
/// by the sigmoid of output 1 (not the other way round).
struct GLUFusion: GraphPass {
    let name = "GLU"

    static let pattern = Pattern.op("Mul", .op("Split", .any("x"), as: "split"), .op("Sigmoid", .node("split"), as: "gate"))

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(GLUPlugin.name) else { return 0 }
        return try editor.rewriteAll(Self.pattern) { e, m in
            guard let split = e.node(m.nodes["split"]!), split.outputs.count == 2, let gate = e.node(m.nodes["gate"]!),
                  gate.inputs[0] == split.outputs[1], m["split"] == split.outputs[0], context.isFloat(m["x"]),
                  let shape = context.shape(m["x"]) else { return nil }
            let axis = try split.int("axis", default: 0) ?? 0
            guard let a = Shapes.normalizeAxis(axis, rank: shape.rank), let n = shape[a].value, n % 2 == 0 else { return nil }
            var sizes = try split.ints("split")
            if let s = split.input(1) { sizes = e.constant(s)?.intValues() ?? [-1] }
            guard sizes == nil || sizes == [n / 2, n / 2] else { return nil }
            return [e.pluginNode(GLUPlugin.name, m, inputs: [m["x"]], outputs: e.outputs(m), attributes: ["axis": .int(a)])]
        }
    }
}
