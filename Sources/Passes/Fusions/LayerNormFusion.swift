import IR
import Plugins

/// LayerNorm fusion: the decomposed chain and the ONNX op become one
/// `com.workbench::LayerNorm`.
///
///          ┌──────────────┐
///     x ──▶ ReduceMean ──▶ Sub ──▶ Pow(2) ──▶ ReduceMean ──▶ Add(ε) ──▶ Sqrt ─┐
///      └────────────────▶ ┘  └─────────────────────────────────────────────▶ Div ──▶ Mul(γ) ──▶ Add(β) ──▶ y
///
///     x ──▶ LayerNormalization(γ, β, axis=-1) ──▶ y
///
///       ==>   x ──▶ LayerNorm(γ, β, ε) ──▶ y
///
/// Checks: both means reduce the last axis only (keepdims), the power is 2,
/// ε is a scalar, γ and β are constant vectors of the last dim's length, and
/// the intermediates have no other consumer.
struct LayerNormFusion: GraphPass {
    let name = "LayerNorm"

    static func decomposed(root: String) -> Pattern {
        let centred = Pattern.op("Sub", .any("x"), .op("ReduceMean", .any("x"), as: "mean"), as: "d")
        let variance = Pattern.op("ReduceMean", .oneOf(["Pow", "Mul"], .node("d"), .any("two"), as: "square"), as: "var")
        let normed = Pattern.op("Div", centred, .op("Sqrt", .op("Add", variance, .constant("eps"))))
        let scaled = Pattern.op("Mul", normed, .constant("gamma"), as: "scale")
        return root == "Add" ? .op("Add", scaled, .constant("beta")) : scaled
    }

    static let onnxOp = Pattern.op("LayerNormalization", .any("x"), .constant("gamma"), as: "ln")

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(LayerNormPlugin.name) else { return 0 }
        var count = 0
        for root in ["Add", "Mul"] {
            count += try editor.rewriteAll(Self.decomposed(root: root)) { e, m in try decomposed(&e, m, context) }
        }
        count += try editor.rewriteAll(Self.onnxOp) { e, m in try onnx(&e, m, context) }
        return count
    }

    private func decomposed(_ e: inout GraphEditor, _ m: Match, _ context: PassContext) throws -> [Node]? {
        let x = m["x"]
        guard context.isFloat(x), let c = context.lastDim(x),
              let mean = e.node(m.nodes["mean"]!), let variance = e.node(m.nodes["var"]!),
              context.reducesLastAxis(mean, editor: e), context.reducesLastAxis(variance, editor: e),
              let eps = e.scalar(m["eps"]), eps >= 0,
              e.isLastAxisVector(m["gamma"], length: c) else { return nil }
        // The square is Pow(d, 2) or Mul(d, d).
        let square = e.node(m.nodes["square"]!)
        if square?.opType == "Pow" { guard e.scalar(m["two"]) == 2 else { return nil } }
        else { guard m["two"] == m["d"] else { return nil } }
        var inputs = [x, e.vector(m["gamma"])]
        if !m["beta"].isEmpty {
            guard e.isLastAxisVector(m["beta"], length: c) else { return nil }
            inputs.append(e.vector(m["beta"]))
        }
        return [e.pluginNode(LayerNormPlugin.name, m, inputs: inputs, outputs: [e.outputs(m)[0]],
                             attributes: ["epsilon": .float(eps)])]
    }

    private func onnx(_ e: inout GraphEditor, _ m: Match, _ context: PassContext) throws -> [Node]? {
        guard let n = e.node(m.nodes["ln"]!), let x = n.input(0), context.isFloat(x),
              let rank = context.shape(x)?.rank, let c = context.lastDim(x),
              let axis = try n.int("axis", default: -1), axis == -1 || axis == rank - 1,
              (try n.int("stash_type", default: 1)) == 1,
              n.outputs.dropFirst().allSatisfy({ $0.isEmpty || e.consumers(of: $0).isEmpty && !e.isGraphOutput($0) }),
              e.isLastAxisVector(m["gamma"], length: c) else { return nil }
        var inputs = [x, e.vector(m["gamma"])]
        if let b = n.input(2) {
            guard e.isLastAxisVector(b, length: c) else { return nil }
            inputs.append(e.vector(b))
        }
        let eps = try n.float("epsilon", default: 1e-5) ?? 1e-5
        return [e.pluginNode(LayerNormPlugin.name, m, inputs: inputs, outputs: [n.outputs[0]],
                             attributes: ["epsilon": .float(eps)])]
    }
}

/// Residual add folded into the LayerNorm that follows it.
///
///     a ──▶ Add ──▶ LayerNorm(γ, β) ──▶ y          a ──▶ SkipLayerNorm(γ, β) ──▶ y
///     b ──▶ ┘   └──▶ s (residual stream)   ==>    b ──▶ ┘                   └──▶ s
///
/// Checks: `a` and `b` have provably the same shape (no broadcasting), float32.
struct SkipLayerNormFusion: GraphPass {
    let name = "SkipLayerNorm"

    static let pattern = Pattern.plugin("LayerNorm", .op("Add", .any("a"), .any("b"), as: "sum"), as: "ln")

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(SkipLayerNormPlugin.name) else { return 0 }
        return editor.rewriteAll(Self.pattern, escaping: ["sum"]) { e, m in
            guard let ln = e.node(m.nodes["ln"]!), let sa = context.shape(m["a"]), let sb = context.shape(m["b"]),
                  context.isFloat(m["a"]), context.isFloat(m["b"]), sa.rank == sb.rank,
                  zip(sa.dims, sb.dims).allSatisfy({ $0.isProvablyEqual(to: $1) }) else { return nil }
            let sum = m["sum"]
            let keepSum = !e.consumers(of: sum).allSatisfy { m.matched.contains($0) } || e.isGraphOutput(sum)
            return [e.pluginNode(SkipLayerNormPlugin.name, m, inputs: [m["a"], m["b"]] + ln.inputs.dropFirst(),
                                 outputs: [ln.outputs[0], keepSum ? sum : ""], attributes: ln.attributes)]
        }
    }
}
