import IR
import Plugins

/// BERT multi-head attention with an additive mask becomes one
/// `com.workbench::Attention` whose Q, K and V projections are merged into a
/// single GEMM (the weights concatenated once, here).
///
///     x ─▶ Linear(Wq,bq) ─▶ Reshape[B,S,H,D] ─▶ Transpose(0,2,1,3) ─┐
///     x ─▶ Linear(Wk,bk) ─▶ Reshape[B,S,H,D] ─▶ Transpose(0,2,3,1) ─▶ MatMul ─▶ Div(√D) ─▶ Add(mask) ─▶ Softmax ─┐
///     x ─▶ Linear(Wv,bv) ─▶ Reshape[B,S,H,D] ─▶ Transpose(0,2,1,3) ──────────────────────────────────────────▶ MatMul
///                                                      ─▶ Transpose(0,2,1,3) ─▶ Reshape[B,S,C] ─▶ y
///
///       ==>   x ─▶ Attention([Wq Wk Wv], [bq bk bv], mask; num_heads H, scale 1/√D) ─▶ y
///
/// Checks: one input `x` [B,S,C] for all three projections, plain Linears
/// with bias, reshapes to [B,S,H,D] with H·D = C, the transposes above,
/// a scalar scale, softmax over the last axis, and a mask whose shape
/// broadcasts to [B,H,S,S] without varying over heads (rank 4, dim 1 = 1).
struct AttentionFusion: GraphPass {
    let name = "Attention"

    static func projection(_ n: String, perm: [Int]) -> Pattern {
        .op("Transpose", .op("Reshape", .plugin("Linear", .any("x"), .constant("w\(n)"), .constant("b\(n)"), as: "lin\(n)"),
                              .any("shape\(n)"), as: "heads\(n)"), as: "t\(n)")
    }

    static func pattern(masked: Bool) -> Pattern {
        let scores = Pattern.oneOf(["Div", "Mul"], .op("MatMul", projection("q", perm: [0, 2, 1, 3]), projection("k", perm: [0, 2, 3, 1])),
                                   .constant("scale"), as: "scaleOp")
        let logits = masked ? Pattern.op("Add", scores, .any("mask")) : scores
        let context = Pattern.op("MatMul", .op("Softmax", logits, as: "softmax"), projection("v", perm: [0, 2, 1, 3]))
        return .op("Reshape", .op("Transpose", context, as: "tOut"), .any("outShape"), as: "out")
    }

    static let perms = ["tq": [0, 2, 1, 3], "tk": [0, 2, 3, 1], "tv": [0, 2, 1, 3], "tOut": [0, 2, 1, 3]]

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(AttentionPlugin.name) else { return 0 }
        var count = 0
        for masked in [true, false] {
            count += try editor.rewriteAll(Self.pattern(masked: masked)) { e, m in try rewrite(&e, m, context) }
        }
        return count
    }

    private func rewrite(_ e: inout GraphEditor, _ m: Match, _ context: PassContext) throws -> [Node]? {
        let x = m["x"]
        guard let xs = context.shape(x), xs.rank == 3, let c = xs[2].value, context.isFloat(x),
              let heads = try headCount(e, m, context, xs, c), let scale = try scaleValue(e, m),
              let softmax = e.node(m.nodes["softmax"]!),
              let axis = try softmax.int("axis", default: context.opset >= 13 ? -1 : 1), axis == -1 || axis == 3,
              let out = context.shape(m["out"]), out.rank == 3,
              zip(out.dims, xs.dims).allSatisfy({ $0.isProvablyEqual(to: $1) }) else { return nil }
        for (capture, perm) in Self.perms {
            guard let t = e.node(m.nodes[capture]!), try t.ints("perm") == perm else { return nil }
        }
        var inputs = [x, "", ""]
        if !m["mask"].isEmpty {
            guard context.isFloat(m["mask"]), let ms = context.shape(m["mask"]), ms.rank == 4, ms[1].value == 1,
                  ms[2].value == 1 || ms[2].isProvablyEqual(to: xs[1]), ms[3].isProvablyEqual(to: xs[1]),
                  ms[0].value == 1 || ms[0].isProvablyEqual(to: xs[0]) else { return nil }
            inputs.append(m["mask"])
        }
        var w: [Float] = [], bias: [Float] = []
        let ws = ["q", "k", "v"].compactMap { e.constant(m["w\($0)"])?.floats }
        let bs = ["q", "k", "v"].compactMap { e.constant(m["b\($0)"])?.floats }
        guard ws.count == 3, bs.count == 3, ws.allSatisfy({ $0.count == c * c }), bs.allSatisfy({ $0.count == c }) else { return nil }
        w.reserveCapacity(3 * c * c)
        for r in 0..<c { for k in 0..<3 { w += ws[k][(r * c)..<((r + 1) * c)] } }
        for k in 0..<3 { bias += bs[k] }
        inputs[1] = e.addInitializer(Tensor(w, shape: [c, 3 * c]), hint: "\(m["wq"])_qkv")
        inputs[2] = e.addInitializer(Tensor(bias, shape: [3 * c]), hint: "\(m["bq"])_qkv")
        return [e.pluginNode(AttentionPlugin.name, m, inputs: inputs, outputs: [m["out"]],
                             attributes: ["num_heads": .int(heads), "scale": .float(scale)])]
    }

    /// H when every projection is a plain Linear reshaped to [B, S, H, C/H].
    private func headCount(_ e: GraphEditor, _ m: Match, _ context: PassContext, _ xs: Shape, _ c: Int) throws -> Int? {
        var heads: Int?
        for n in ["q", "k", "v"] {
            guard let lin = e.node(m.nodes["lin\(n)"]!), lin.inputs.count == 3,
                  try lin.string("activation", default: "none") == "none", try lin.float("alpha", default: 1) == 1,
                  let s = context.shape(m["heads\(n)"]), s.rank == 4, let h = s[2].value, let d = s[3].value, h * d == c,
                  s[0].isProvablyEqual(to: xs[0]), s[1].isProvablyEqual(to: xs[1]), heads == nil || heads == h else { return nil }
            heads = h
        }
        return heads
    }

    /// The factor the scores are multiplied by (1/c for a Div by c).
    private func scaleValue(_ e: GraphEditor, _ m: Match) throws -> Float? {
        guard let v = e.scalar(m["scale"]), v != 0, let op = e.node(m.nodes["scaleOp"]!) else { return nil }
        return op.opType == "Div" ? 1 / v : v
    }
}
