import IR
import Kernels

/// Depthwise 1-D convolution with bias and activation (`com.workbench::DepthwiseConv1d`,
/// the conformer convolution module's `depthwise_conv` with BatchNorm folded
/// in and the Swish after it):
///
///     Y[b, c, t] = act(bias[c] + Σₖ W[c, 0, k] · X[b, c, t + k − padBegin])   (X is 0 outside [0, T))
///
/// Inputs: `X` [B, C, T], `W` [C, 1, K], optional `bias` [C]. Output `Y`
/// [B, C, T + padBegin + padEnd − K + 1]. Attributes: `pads` (INTS, begin and
/// end), `activation` (none, relu, swish, gelu, gelu_tanh, sigmoid; default none).
/// Stride and dilation are 1. Tactic `dwconv.direct`: rows (b, c) over threads,
/// a direct loop per row with the padding handled at the edges only.
public final class DepthwiseConv1dPlugin: Plugin {
    public static let name = "DepthwiseConv1d"
    public static let version = 1
    public let padBegin: Int
    public let padEnd: Int
    public let activation: Activation

    public init(attributes: [String: Attribute]) throws {
        let a = PluginAttributes(Self.qualifiedName, attributes)
        try a.only(["pads", "activation"])
        guard case .ints(let pads)? = attributes["pads"], pads.count == 2, pads.allSatisfy({ $0 >= 0 }) else {
            throw a.fail("pads", "must be two non-negative INTS (begin, end)")
        }
        (padBegin, padEnd) = (pads[0], pads[1])
        activation = Activation(rawValue: try a.string("activation", default: "none",
                                                       allowed: Activation.allCases.map(\.rawValue))) ?? .none
    }

    public var attributes: [String: Attribute] {
        ["pads": .ints([padBegin, padEnd]), "activation": .string(activation.rawValue)]
    }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let p = Self.qualifiedName
        let x = try PluginInputs.float(inputs, 0, plugin: p)
        let w = try PluginInputs.float(inputs, 1, plugin: p)
        guard let ws = w.shape, ws.rank == 3, let k = ws[2].value, ws[1].value == 1 else {
            throw PluginError.invalidInputs(plugin: p, reason: "W must be [C, 1, K] with a static K")
        }
        guard let xs = x.shape else { return [ValueType(.float32, nil)] }
        guard xs.rank == 3 else { throw PluginError.invalidInputs(plugin: p, reason: "X must be [B, C, T], got \(xs.bracketed)") }
        let shrink = k - 1 - padBegin - padEnd
        let t: Dim
        if let v = xs[2].value { t = .value(v - shrink) }
        else { t = shrink == 0 ? xs[2] : .symbol("(\(xs[2]))\(shrink > 0 ? "-" : "+")\(abs(shrink))") }
        return [ValueType(.float32, Shape([xs[0], xs[1], t]))]
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { ["dwconv.direct"] }

    public func enqueue(_ call: PluginCall) throws {
        let p = Self.qualifiedName
        let x = try call.input(0, of: p), w = try call.input(1, of: p)
        guard call.tactic == "dwconv.direct" else { throw PluginError.unknownTactic(plugin: p, tactic: call.tactic) }
        guard x.shape.count == 3, w.shape.count == 3, w.shape[0] == x.shape[1], w.shape[1] == 1, let y = call.outputs.first,
              y.shape == [x.shape[0], x.shape[1], x.shape[2] + padBegin + padEnd - w.shape[2] + 1] else {
            throw PluginError.invalidInputs(plugin: p, reason: "X \(x.shape) and W \(w.shape) do not make a depthwise convolution")
        }
        let bias = call.inputs.count > 2 ? call.inputs[2] : nil
        if let bias { try PluginInputs.check(bias, count: x.shape[1], "bias", plugin: p) }
        let (c, t, k, to) = (x.shape[1], x.shape[2], w.shape[2], y.shape[2])
        let (pb, act) = (padBegin, activation)
        call.threads.parallelChunks(x.shape[0] * c) { rows in
            for r in rows {
                let ch = r % c
                let xr = x.floats + r * t, yr = y.floats + r * to, wr = w.floats + ch * k
                let b0 = bias?.floats[ch] ?? 0
                for o in 0..<to {
                    // Taps k with 0 <= o + k - pb < t.
                    let lo = max(0, pb - o), hi = min(k, t + pb - o)
                    var s = b0
                    if lo < hi { for j in lo..<hi { s += wr[j] * xr[o + j - pb] } }
                    yr[o] = s
                }
                act.apply(yr, to)
            }
        }
    }
}
