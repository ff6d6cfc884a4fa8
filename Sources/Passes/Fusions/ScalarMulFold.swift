import IR
import Plugins

/// A scalar multiply or divide next to a Linear, folded into it:
///
///     x ──▶ Mul(α) | Div(α) ──▶ Linear(W, b) ──▶ y     ==>   x ──▶ Linear(α·W | W/α, b) ──▶ y
///     Linear(W, b) ──▶ Div(α) ──▶ y                    ==>   Linear(alpha / α, b / α) ──▶ y
///
/// (`Linear ──▶ Mul(α)` is LinearFusion's.) Scaling the input scales every
/// product `x·W` and nothing else, so it holds whatever the Linear's epilogue;
/// a Div after the Linear folds only when it has no activation or residual
/// (`act(z)/α ≠ act(z/α)` in general). Checks: α a float32 constant with one
/// element and no more dims than the value it scales (no broadcast growth),
/// α ≠ 0 for Div, W constant float32, the scaled value read by the Linear alone.
struct ScalarMulFold: GraphPass {
    let name = "ScalarMul"

    static let before = Pattern.plugin(LinearPlugin.name, .oneOf(["Mul", "Div"], .any("x"), .constant("alpha"), as: "scale"),
                                       .constant("w"), as: "lin")
    static let after = Pattern.op("Div", .plugin(LinearPlugin.name, .any("x"), .constant("w"), as: "lin"), .constant("alpha"))

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(LinearPlugin.name) else { return 0 }
        var count = editor.rewriteAll(Self.before) { e, m in
            let isDiv = e.node(m.nodes["scale"]!)?.opType == "Div"
            guard let a = factor(e, m, context, of: m["x"], divide: isDiv), var lin = e.node(m.nodes["lin"]!),
                  let w = e.constant(m["w"]), w.dataType == .float32, let wv = w.floats else { return nil }
            lin.inputs[0] = m["x"]
            lin.inputs[1] = e.addInitializer(Tensor(wv.map { $0 * a }, shape: w.shape), hint: "\(m["w"])_scaled")
            return [lin]
        }
        count += try editor.rewriteAll(Self.after) { e, m in
            guard var lin = e.node(m.nodes["lin"]!), lin.inputs.count <= 3, let y = lin.outputs.first,
                  try lin.string("activation", default: "none") == "none",
                  let a = factor(e, m, context, of: y, divide: true) else { return nil }
            lin.attributes["alpha"] = .float((try lin.float("alpha", default: 1) ?? 1) * a)
            if let b = lin.input(2) {
                guard let bv = e.constant(b)?.floats else { return nil }
                lin.inputs[2] = e.addInitializer(Tensor(bv.map { $0 * a }, shape: [bv.count]), hint: "\(b)_scaled")
            }
            lin.outputs = e.outputs(m)
            return [lin]
        }
        return count
    }

    /// The factor the weights take (α, or 1/α for a Div) when `alpha` is a usable scalar for `value`.
    private func factor(_ e: GraphEditor, _ m: Match, _ context: PassContext, of value: String, divide: Bool) -> Float? {
        guard let t = e.constant(m["alpha"]), t.dataType == .float32, t.count == 1, let a = t.floats?.first,
              a.isFinite, !(divide && a == 0), context.isFloat(value),
              let rank = context.shape(value)?.rank, t.rank <= rank else { return nil }
        let f = divide ? 1 / a : a
        return f.isFinite ? f : nil
    }
}
