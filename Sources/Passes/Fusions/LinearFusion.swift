import IR
import Plugins

/// MatMul with a constant weight becomes one `com.workbench::Linear`: a single
/// 2-D GEMM over all leading rows (B·T × K times K × N), with the bias, a
/// scale, the activation and a residual add after it folded in as its epilogue.
///
///     x[B,T,K] ──▶ MatMul(W[K,N]) ──▶ Add(b[N]) ──▶ y      ==>  x ──▶ Linear(W, b) ──▶ y
///     Linear ──▶ Relu | Sigmoid | Swish | Gelu              ==>  Linear(activation)
///     Linear ──▶ Mul(α)                                     ==>  Linear(alpha α, bias α·b)
///     Linear ──▶ Add(r)        (r shaped like y)            ==>  Linear(residual r)
///
/// Checks: W constant float32 of rank 2, b a constant vector of length N,
/// α a scalar, the residual provably the output's shape; epilogues are folded
/// in the order the kernel applies them (scale before activation before residual).
struct LinearFusion: GraphPass {
    let name = "Linear"

    static let withBias = Pattern.op("Add", .op("MatMul", .any("x"), .constant("w")), .constant("b"))
    static let plain = Pattern.op("MatMul", .any("x"), .constant("w"))
    static func linear() -> Pattern { .plugin("Linear", .any("x"), .any("w"), as: "lin") }
    static let activations: [(Pattern, Activation)] = [
        (.op("Relu", linear()), .relu), (.op("Sigmoid", linear()), .sigmoid),
        (.plugin("Swish", linear()), .swish), (.plugin("Gelu", linear()), .gelu),
    ]
    static let scaled = Pattern.op("Mul", linear(), .constant("alpha"))
    static let residual = Pattern.op("Add", linear(), .any("r"))

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(LinearPlugin.name) else { return 0 }
        var count = editor.rewriteAll(Self.withBias) { e, m in gemm(&e, m, context) }
        count += editor.rewriteAll(Self.plain) { e, m in gemm(&e, m, context) }
        count += try editor.rewriteAll(Self.scaled) { e, m in try scale(&e, m) }
        for (pattern, act) in Self.activations {
            count += try editor.rewriteAll(pattern) { e, m in
                guard var lin = e.node(m.nodes["lin"]!), try activation(lin) == .none, lin.inputs.count <= 3 else { return nil }
                if let g = e.node(m.matched[0]), g.opType == "Gelu", try g.string("approximate", default: "none") == "tanh" {
                    lin.attributes["activation"] = .string(Activation.geluTanh.rawValue)
                } else {
                    lin.attributes["activation"] = .string(act.rawValue)
                }
                lin.outputs = e.outputs(m)
                return [lin]
            }
        }
        count += editor.rewriteAll(Self.residual) { e, m in
            guard var lin = e.node(m.nodes["lin"]!), lin.inputs.count <= 3,
                  let y = context.shape(lin.outputs[0]), let r = context.shape(m["r"]), context.isFloat(m["r"]),
                  y.rank == r.rank, zip(y.dims, r.dims).allSatisfy({ $0.isProvablyEqual(to: $1) }) else { return nil }
            if lin.inputs.count == 2 { lin.inputs.append("") }
            lin.inputs.append(m["r"])
            lin.outputs = e.outputs(m)
            return [lin]
        }
        return count
    }

    private func activation(_ n: Node) throws -> Activation {
        Activation(rawValue: try n.string("activation", default: "none") ?? "none") ?? .none
    }

    private func gemm(_ e: inout GraphEditor, _ m: Match, _ context: PassContext) -> [Node]? {
        guard let w = e.constant(m["w"]), w.dataType == .float32, w.rank == 2, context.isFloat(m["x"]),
              let xs = context.shape(m["x"]), xs.rank >= 1, xs.dims.last?.value == w.shape[0] else { return nil }
        var inputs = [m["x"], m["w"]]
        if !m["b"].isEmpty {
            guard e.isLastAxisVector(m["b"], length: w.shape[1]), xs.rank >= e.constant(m["b"])!.rank else { return nil }
            inputs.append(e.vector(m["b"]))
        }
        return [e.pluginNode(LinearPlugin.name, m, inputs: inputs, outputs: e.outputs(m),
                             attributes: ["activation": .string("none"), "alpha": .float(1)])]
    }

    /// `Mul(Linear, α)` → `Linear(alpha·α)` with the bias scaled too (only before any activation or residual).
    private func scale(_ e: inout GraphEditor, _ m: Match) throws -> [Node]? {
        guard var lin = e.node(m.nodes["lin"]!), try activation(lin) == .none, lin.inputs.count <= 3,
              let alpha = e.scalar(m["alpha"]), e.constant(m["alpha"])!.dataType == .float32,
              e.constant(m["alpha"])!.rank == 0 || e.constant(m["alpha"])!.rank == 1 else { return nil }
        let old = try lin.float("alpha", default: 1) ?? 1
        lin.attributes["alpha"] = .float(old * alpha)
        if let b = lin.input(2) {
            guard let bv = e.constant(b)?.floats else { return nil }
            lin.inputs[2] = e.addInitializer(Tensor(bv.map { $0 * alpha }, shape: [bv.count]), hint: "\(b)_scaled")
        }
        lin.outputs = e.outputs(m)
        return [lin]
    }
}
