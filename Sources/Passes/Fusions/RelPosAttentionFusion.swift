import IR
import Plugins

/// Conformer relative-position multi-head self-attention (WeNet's
/// `RelPositionMultiHeadedAttention`) becomes one `com.workbench::RelPosAttention`
/// with the Q/K/V projections merged into one GEMM:
///
///     q  = Reshape[B,T,H,D](Linear(x; Wq, bq))
///     ac = MatMul(Transpose₀₂₁₃(Add(q, u)), Transpose₀₂₃₁(Reshape(Linear(x; Wk, bk))))
///     bd = MatMul(Transpose₀₂₁₃(Add(q, v)), Transpose₀₂₃₁(Reshape(Linear(pos; Wp))))
///     a  = Where(mask, 0, Softmax(Where(mask, -inf, Div(Add(ac, bd), √D))))
///     y  = Linear(Reshape[B,T,C](Transpose₀₂₁₃(MatMul(a, Transpose₀₂₁₃(Reshape(Linear(x; Wv, bv)))))); Wo, bo)
///
///       ==>   x, pos, mask ─▶ RelPosAttention([Wq Wk Wv], [bq bk bv], Wp, u, v, Wo, bo) ─▶ y
///
/// Matched by structure (the TorchScript and dynamo exports alike). Checks:
/// one `x` [B,T,C] for Q, K and V; plain Linears (bias on Q/K/V/out, none on
/// pos); head reshapes to [·,·,H,D] with H·D = C; the transposes above; u and v
/// constant [H, D]; a scalar scale; softmax over the last axis; a mask
/// condition of shape [B,1,1,T] (one value per key, the same for every head
/// and query), a fill ≤ −10⁴ before the softmax and 0 after it; the output
/// reshape keeps B or T (so its element count forces [B,T,C]).
struct RelPosAttentionFusion: GraphPass {
    let name = "RelPosAttention"

    static func heads(_ n: String, _ input: String, bias: Bool = true) -> Pattern {
        let lin: Pattern = bias ? .plugin("Linear", .any(input), .constant("w\(n)"), .constant("b\(n)"), as: "lin\(n)")
                                : .plugin("Linear", .any(input), .constant("w\(n)"), as: "lin\(n)")
        return .op("Reshape", lin, .any("shape\(n)"), as: "r\(n)")
    }

    static let pattern: Pattern = {
        let ac = Pattern.op("MatMul", .op("Transpose", .op("Add", heads("q", "x"), .constant("u")), as: "tqu"),
                            .op("Transpose", heads("k", "x"), as: "tk"))
        let bd = Pattern.op("MatMul", .op("Transpose", .op("Add", .node("rq"), .constant("v")), as: "tqv"),
                            .op("Transpose", heads("p", "pos", bias: false), as: "tp"))
        let scores = Pattern.oneOf(["Div", "Mul"], .op("Add", ac, bd), .constant("scale"), as: "scaleOp")
        let softmax = Pattern.op("Softmax", .op("Where", .any("cond"), .constant("fill"), scores), as: "softmax")
        let probs = Pattern.op("Where", .any("cond"), .constant("zero"), softmax)
        let context = Pattern.op("MatMul", probs, .op("Transpose", heads("v", "x"), as: "tv"))
        return .plugin("Linear", .op("Reshape", .op("Transpose", context, as: "tOut"), .any("outShape"), as: "out"),
                       .constant("wo"), .constant("bo"), as: "lino")
    }()

    static let perms = ["tqu": [0, 2, 1, 3], "tqv": [0, 2, 1, 3], "tk": [0, 2, 3, 1], "tp": [0, 2, 3, 1],
                        "tv": [0, 2, 1, 3], "tOut": [0, 2, 1, 3]]

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(RelPosAttentionPlugin.name) else { return 0 }
        return try editor.rewriteAll(Self.pattern) { e, m in try rewrite(&e, m, context) }
    }

    private func rewrite(_ e: inout GraphEditor, _ m: Match, _ context: PassContext) throws -> [Node]? {
        let x = m["x"]
        guard let xs = context.shape(x), xs.rank == 3, let c = xs[2].value, context.isFloat(x), context.isFloat(m["pos"]),
              let (h, d) = try headShape(e, m, context, xs, c), let scale = scaleValue(e, m),
              let softmax = e.node(m.nodes["softmax"]!),
              let axis = try softmax.int("axis", default: context.opset >= 13 ? -1 : 1), axis == -1 || axis == 3,
              let fill = e.scalar(m["fill"]), fill <= -1e4, e.scalar(m["zero"]) == 0,
              outputKeepsShape(context.shape(m["out"]), xs),
              let (mask, maskedWhen) = maskInput(e, m["cond"], context, xs) else { return nil }
        for (capture, perm) in Self.perms {
            guard let t = e.node(m.nodes[capture]!), try t.ints("perm") == perm else { return nil }
        }
        let ws = ["q", "k", "v"].compactMap { e.constant(m["w\($0)"])?.floats }
        let bs = ["q", "k", "v"].compactMap { e.constant(m["b\($0)"])?.floats }
        guard ws.count == 3, bs.count == 3, ws.allSatisfy({ $0.count == c * c }), bs.allSatisfy({ $0.count == c }),
              e.constant(m["wp"])?.count == c * c, e.constant(m["wo"])?.count == c * c, e.isLastAxisVector(m["bo"], length: c),
              let u = biasTable(e, m["u"], h, d), let v = biasTable(e, m["v"], h, d) else { return nil }
        var w: [Float] = []
        w.reserveCapacity(3 * c * c)
        for r in 0..<c { for k in 0..<3 { w += ws[k][(r * c)..<((r + 1) * c)] } }
        let inputs = [x, e.addInitializer(Tensor(w, shape: [c, 3 * c]), hint: "\(m["wq"])_qkv"),
                      e.addInitializer(Tensor(bs[0] + bs[1] + bs[2], shape: [3 * c]), hint: "\(m["bq"])_qkv"),
                      m["pos"], m["wp"], e.addInitializer(u, hint: "\(m["u"])_hd"), e.addInitializer(v, hint: "\(m["v"])_hd"),
                      m["wo"], e.vector(m["bo"]), mask]
        return [e.pluginNode(RelPosAttentionPlugin.name, m, inputs: inputs, outputs: e.outputs(m),
                             attributes: ["num_heads": .int(h), "scale": .float(scale), "masked_when": .string(maskedWhen)])]
    }

    /// (H, D) when Q, K, V and pos are plain Linears reshaped to [·, ·, H, D] with H·D = C.
    private func headShape(_ e: GraphEditor, _ m: Match, _ context: PassContext, _ xs: Shape, _ c: Int) throws -> (Int, Int)? {
        var hd: (Int, Int)?
        for n in ["q", "k", "v", "p", "o"] {
            guard let lin = e.node(m.nodes["lin\(n)"]!), lin.inputs.count == (n == "p" ? 2 : 3),
                  try lin.string("activation", default: "none") == "none", try lin.float("alpha", default: 1) == 1 else { return nil }
            guard n != "o" else { continue }
            guard let s = context.shape(m["r\(n)"]), s.rank == 4, let h = s[2].value, let d = s[3].value, h * d == c,
                  hd == nil || (hd! == (h, d)) else { return nil }
            if n == "p" {
                // pos is [1 or B, T, C]: T must not be provably different from x's.
                guard let ps = context.shape(m["pos"]), ps.rank == 3, ps[2].value == c,
                      !(ps[1].value != nil && xs[1].value != nil && ps[1].value != xs[1].value) else { return nil }
            } else {
                guard s[0].isProvablyEqual(to: xs[0]), s[1].isProvablyEqual(to: xs[1]) else { return nil }
            }
            hd = (h, d)
        }
        return hd
    }

    /// True when a rank-3 result of reshaping [B,T,H,D] keeps B or T and ends in C: its element count then forces [B,T,C].
    private func outputKeepsShape(_ out: Shape?, _ xs: Shape) -> Bool {
        guard let out, out.rank == 3, out[2].value != nil, out[2].value == xs[2].value else { return false }
        return out[0].isProvablyEqual(to: xs[0]) || out[1].isProvablyEqual(to: xs[1])
    }

    /// The plugin's mask input and its `masked_when`: the key mask under
    /// `Equal(Unsqueeze(mask, 1), 0)` when the condition is that, else the condition itself.
    private func maskInput(_ e: GraphEditor, _ cond: String, _ context: PassContext, _ xs: Shape) -> (String, String)? {
        guard let cs = context.shape(cond), cs.rank == 4, cs[1].value == 1, cs[2].value == 1,
              cs[0].isProvablyEqual(to: xs[0]), cs[3].isProvablyEqual(to: xs[1]) else { return nil }
        if let eq = e.producer(of: cond).flatMap({ e.node($0) }), eq.op == .equal, eq.inputs.count == 2,
           let zeroSide = eq.inputs.firstIndex(where: { e.constant($0).map { $0.count == 1 && $0.floatValues()?.first == 0 } ?? false }) {
            let other = eq.inputs[1 - zeroSide]
            if let un = e.producer(of: other).flatMap({ e.node($0) }), un.op == .unsqueeze, let inner = un.input(0),
               let s = context.shape(inner), s.rank == 3, s[0].isProvablyEqual(to: xs[0]), s[1].value == 1,
               s[2].isProvablyEqual(to: xs[1]) {
                return (inner, "zero")
            }
            return (other, "zero")
        }
        return (cond, "nonzero")
    }

    /// The factor the scores are multiplied by (1/c for a Div by c).
    private func scaleValue(_ e: GraphEditor, _ m: Match) -> Float? {
        guard let v = e.scalar(m["scale"]), v != 0, let op = e.node(m.nodes["scaleOp"]!) else { return nil }
        return op.opType == "Div" ? 1 / v : v
    }

    /// A positional bias constant of H·D floats laid out as [H, D] (or with leading 1s).
    private func biasTable(_ e: GraphEditor, _ name: String, _ h: Int, _ d: Int) -> Tensor? {
        guard let t = e.constant(name), t.dataType == .float32, let f = t.floats, t.rank >= 2,
              Array(t.shape.suffix(2)) == [h, d], t.shape.dropLast(2).allSatisfy({ $0 == 1 }) else { return nil }
        return Tensor(f, shape: [h, d])
    }
}

