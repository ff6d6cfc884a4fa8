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
/// A constant `W` is packed at build time (``pack(constant:input:)``) into
/// ``PackedGEMM``'s panels, `[N/16, K, 16]` (when N is a multiple of 16), and runs on that kernel
/// (tactic `gemm.packed`); a `W` that is not packed (a run-time input) runs
/// on the ``GEMM/Tactic`` kernels (OpenBLAS or the streaming kernel). Either
/// way the epilogue runs on each tile of `Y` while it is in cache; GELU runs
/// as a second vectorizable pass over the rows.
public final class LinearPlugin: Plugin {
    public static let name = "Linear"
    public static let version = 2
    /// The tactic of a packed `W`.
    public static let packedTactic = "gemm.packed"
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
        guard let ws = w.shape, ws.rank == 2 || ws.rank == 3 && ws[2].value == PackedGEMM.panelWidth else {
            throw PluginError.invalidInputs(plugin: p, reason: "W must have rank 2, got \(w.shape?.bracketed ?? "unknown rank")")
        }
        guard ws.rank == 2 else {
            // Packed W: [N/16, K, 16].
            guard let xs = x.shape else { return [ValueType(.float32, nil)] }
            let n: Dim = ws[0].value.map { .value($0 * PackedGEMM.panelWidth) } ?? .symbol("N")
            return [ValueType(.float32, Shape(Array(xs.dims.dropLast()) + [n]))]
        }
        guard let xs = x.shape else { return [ValueType(.float32, nil)] }
        guard xs.rank >= 1 else { throw PluginError.invalidInputs(plugin: p, reason: "X must have rank >= 1") }
        if let k = xs.dims.last?.value, let kw = ws[0].value, k != kw {
            throw PluginError.invalidInputs(plugin: p, reason: "X has \(k) columns but W has \(kw) rows")
        }
        return [ValueType(.float32, Shape(Array(xs.dims.dropLast()) + [ws[1]]))]
    }

    /// Packs a float `W` [K, N] into ``PackedGEMM``'s panels, `[N/16, K, 16]`, when
    /// N is a multiple of 16 (so the packed shape still gives N); other `W` stay as they are.
    public func pack(constant: Tensor, input: Int) throws -> Tensor? {
        guard input == 1, constant.shape.count == 2, case .float32(let w) = constant.data else { return nil }
        let (k, n) = (constant.shape[0], constant.shape[1])
        guard k > 0, n > 0, n % PackedGEMM.panelWidth == 0 else { return nil }
        return Tensor(shape: PackedGEMM.packedShape(k: k, n: n), data: .float32(PackedGEMM.pack(w, k: k, n: n)))
    }

    public func tactics(inputShapes: [[Int]]) -> [String] {
        if inputShapes.count > 1, inputShapes[1].count == 3 { return [Self.packedTactic] }
        guard let x = inputShapes.first, let k = x.last, k > 0 else { return [GEMM.Tactic.openblas.rawValue] }
        return GEMM.Tactic.candidates(rows: Shapes.count(x) / k).map(\.rawValue)
    }

    public func enqueue(_ call: PluginCall) throws {
        let p = Self.qualifiedName
        let x = try call.input(0, of: p), w = try call.input(1, of: p)
        let packed = w.shape.count == 3 && w.shape[2] == PackedGEMM.panelWidth
        guard w.shape.count == 2 || packed, let y = call.outputs.first else {
            throw PluginError.invalidInputs(plugin: p, reason: "W must have rank 2")
        }
        let k = packed ? w.shape[1] : w.shape[0], n = packed ? w.shape[0] * PackedGEMM.panelWidth : w.shape[1]
        let rows = k == 0 ? y.count / max(n, 1) : x.count / k
        guard x.shape.last == k, rows * n == y.count, max(rows, n, k) <= BLAS.maxDimension else {
            throw PluginError.invalidInputs(plugin: p, reason: "X \(x.shape) does not fit W \(w.shape) and Y \(y.shape)")
        }
        let bias = call.inputs.count > 2 ? call.inputs[2] : nil
        let residual = call.inputs.count > 3 ? call.inputs[3] : nil
        if let bias { try PluginInputs.check(bias, count: n, "bias", plugin: p) }
        if let residual { try PluginInputs.check(residual, count: y.count, "residual", plugin: p) }
        let tactic = GEMM.Tactic(rawValue: call.tactic.isEmpty ? GEMM.Tactic.openblas.rawValue : call.tactic)
        guard packed ? call.tactic == Self.packedTactic || call.tactic.isEmpty : tactic != nil else {
            throw PluginError.unknownTactic(plugin: p, tactic: call.tactic)
        }
        // Every activation runs in the epilogue, on each tile while it is in cache (GELU was a
        // second pass of scalar erf: 13% of BERT's time at 16×256).
        let fused: GEMM.Activation = switch activation {
        case .none: .none
        case .relu: .relu
        case .swish: .swish
        case .sigmoid: .sigmoid
        case .gelu: .gelu
        case .geluTanh: .geluTanh
        }
        let epilogue = GEMM.Epilogue(alpha: alpha, bias: bias.map { UnsafePointer($0.floats) }, activation: fused,
                                     residual: residual.map { UnsafePointer($0.floats) }, residualStride: n)
        if packed {
            PackedGEMM.run(m: rows, n: n, k: k, a: x.floats, lda: k, packed: w.floats, c: y.floats, ldc: n,
                           epilogue: epilogue, threads: call.threads)
        } else if let tactic {
            GEMM.run(tactic, m: rows, n: n, k: k, a: x.floats, lda: k, b: w.floats, ldb: n,
                     c: y.floats, ldc: n, epilogue: epilogue, threads: call.threads)
        }
    }
}
