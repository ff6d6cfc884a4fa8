import IR
import Kernels

/// A fully connected layer with its epilogue (`com.workbench::Linear`):
///
///     Y = act(α · X·W + bias) (+ residual)
///
/// `X` [..., K] is treated as one 2-D matrix of all leading rows (B·T × K),
/// so the whole layer is a single GEMM. Inputs: `X`, `W` [K, N] (constant),
/// optional `bias` [N], optional `residual` (shape of `Y`, added last).
/// Attributes: `activation` (none, relu, swish, gelu, gelu_tanh, sigmoid;
/// default none), `alpha` (FLOAT, default 1).
///
/// Tactics are the ``GEMM/Tactic`` kernels (timed by the builder); each
/// applies the epilogue to its own panel of `Y` while it is in cache. GELU
/// runs as a second vectorizable pass over the panel-sized rows.
public final class LinearPlugin: Plugin {
    public static let name = "Linear"
    public static let version = 1
    public let activation: Activation
    public let alpha: Float

    public init(attributes: [String: Attribute]) throws {
        let a = PluginAttributes(Self.qualifiedName, attributes)
        try a.only(["activation", "alpha"])
        activation = Activation(rawValue: try a.string("activation", default: "none",
                                                       allowed: Activation.allCases.map(\.rawValue))) ?? .none
        alpha = try a.float("alpha", default: 1)
        guard alpha.isFinite else { throw a.fail("alpha", "must be finite") }
    }

    public var attributes: [String: Attribute] {
        ["activation": .string(activation.rawValue), "alpha": .float(alpha)]
    }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let p = Self.qualifiedName
        let x = try PluginInputs.float(inputs, 0, plugin: p)
        let w = try PluginInputs.float(inputs, 1, plugin: p)
        guard let ws = w.shape, ws.rank == 2 else {
            throw PluginError.invalidInputs(plugin: p, reason: "W must have rank 2, got \(w.shape?.bracketed ?? "unknown rank")")
        }
        guard let xs = x.shape else { return [ValueType(.float32, nil)] }
        guard xs.rank >= 1 else { throw PluginError.invalidInputs(plugin: p, reason: "X must have rank >= 1") }
        if let k = xs.dims.last?.value, let kw = ws[0].value, k != kw {
            throw PluginError.invalidInputs(plugin: p, reason: "X has \(k) columns but W has \(kw) rows")
        }
        return [ValueType(.float32, Shape(Array(xs.dims.dropLast()) + [ws[1]]))]
    }

    public func tactics(inputShapes: [[Int]]) -> [String] {
        guard let x = inputShapes.first, let k = x.last, k > 0 else { return [GEMM.Tactic.openblas.rawValue] }
        return GEMM.Tactic.candidates(rows: Shapes.count(x) / k).map(\.rawValue)
    }

    public func enqueue(_ call: PluginCall) throws {
        let p = Self.qualifiedName
        let x = try call.input(0, of: p), w = try call.input(1, of: p)
        guard w.shape.count == 2, let y = call.outputs.first else {
            throw PluginError.invalidInputs(plugin: p, reason: "W must have rank 2")
        }
        let k = w.shape[0], n = w.shape[1]
        let rows = k == 0 ? y.count / max(n, 1) : x.count / k
        guard x.shape.last == k, rows * n == y.count, max(rows, n, k) <= BLAS.maxDimension else {
            throw PluginError.invalidInputs(plugin: p, reason: "X \(x.shape) does not fit W \(w.shape) and Y \(y.shape)")
        }
        let bias = call.inputs.count > 2 ? call.inputs[2] : nil
        let residual = call.inputs.count > 3 ? call.inputs[3] : nil
        if let bias { try PluginInputs.check(bias, count: n, "bias", plugin: p) }
        if let residual { try PluginInputs.check(residual, count: y.count, "residual", plugin: p) }
        guard let tactic = GEMM.Tactic(rawValue: call.tactic.isEmpty ? GEMM.Tactic.openblas.rawValue : call.tactic) else {
            throw PluginError.unknownTactic(plugin: p, tactic: call.tactic)
        }
        let fused: GEMM.Activation? = switch activation {
        case .none: GEMM.Activation.none
        case .relu: .relu
        case .swish: .swish
        case .sigmoid: .sigmoid
        case .gelu, .geluTanh: nil
        }
        let epilogue = GEMM.Epilogue(alpha: alpha, bias: bias.map { UnsafePointer($0.floats) },
                                     activation: fused ?? .none,
                                     residual: fused == nil ? nil : residual.map { UnsafePointer($0.floats) },
                                     residualStride: n)
        GEMM.run(tactic, m: rows, n: n, k: k, a: x.floats, lda: k, b: w.floats, ldb: n,
                 c: y.floats, ldc: n, epilogue: epilogue, threads: call.threads)
        guard fused == nil else { return }
        // GELU: a second pass over rows, then the residual.
        let act = activation
        call.threads.parallelChunks(rows) { range in
            for r in range {
                let row = y.floats + r * n
                act.apply(row, n)
                if let res = residual?.floats { let rr = res + r * n; for j in 0..<n { row[j] += rr[j] } }
            }
        }
    }
}
