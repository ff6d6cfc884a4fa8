import IR
import Kernels

/// Depthwise 1-D convolution with bias and activation (`com.workbench::DepthwiseConv1d`,
/// the conformer convolution module's `depthwise_conv` with BatchNorm folded
/// in and the Swish after it), in channels-first or time-major layout:
///
///     layout BCT:  Y[b, c, t] = act(bias[c] + Σₖ W[c, 0, k] · X[b, c, t + k − padBegin])
///     layout BTC:  Y[b, t, c] = act(bias[c] + Σₖ W[c, 0, k] · G[b, t + k − padBegin, c])
///
/// (X, G are 0 outside [0, T)). In BTC layout `G = X`, or with `glu = 1` the
/// gated linear unit of X's last axis, `G[b, t, c] = X[b, t, c] · σ(X[b, t, C + c])`
/// (the conformer module's GLU folded in).
///
/// Inputs: `X` [B, C, T] (BCT) or [B, T, C] / [B, T, 2C] (BTC, `glu` 0 / 1),
/// `W` [C, 1, K], optional `bias` [C]. Output `Y` [B, C, T'] or [B, T', C] with
/// `T' = T + padBegin + padEnd − K + 1`. Attributes: `pads` (INTS, begin and
/// end), `activation` (none, relu, swish, gelu, gelu_tanh, sigmoid; default
/// none), `layout` (BCT or BTC, default BCT), `glu` (INT 0 or 1, default 0, BTC only).
/// Stride and dilation are 1. Tactics: `dwconv.direct` (BCT: rows (b, c) over
/// threads, a direct loop per row with the padding handled at the edges only);
/// `dwconv.btc` (BTC: output frames over threads, eight channels per SIMD lane group,
/// the GLU gate computed once into the workspace).
public final class DepthwiseConv1dPlugin: Plugin {
    public static let name = "DepthwiseConv1d"
    public static let version = 1
    public let padBegin: Int
    public let padEnd: Int
    public let activation: Activation
    /// True for time-major `[B, T, C]` input and output.
    public let timeMajor: Bool
    /// True when X holds both GLU halves (BTC only).
    public let glu: Bool

    public init(attributes: [String: Attribute]) throws {
        let a = PluginAttributes(Self.qualifiedName, attributes)
        try a.only(["pads", "activation", "layout", "glu"])
        guard case .ints(let pads)? = attributes["pads"], pads.count == 2, pads.allSatisfy({ $0 >= 0 }) else {
            throw a.fail("pads", "must be two non-negative INTS (begin, end)")
        }
        (padBegin, padEnd) = (pads[0], pads[1])
        activation = Activation(rawValue: try a.string("activation", default: "none",
                                                       allowed: Activation.allCases.map(\.rawValue))) ?? .none
        timeMajor = try a.string("layout", default: "BCT", allowed: ["BCT", "BTC"]) == "BTC"
        let g = try a.int("glu", default: 0)
        guard g == 0 || g == 1 else { throw a.fail("glu", "must be 0 or 1") }
        guard g == 0 || timeMajor else { throw a.fail("glu", "needs layout BTC") }
        glu = g == 1
    }

    public var attributes: [String: Attribute] {
        var a: [String: Attribute] = ["pads": .ints([padBegin, padEnd]), "activation": .string(activation.rawValue)]
        // Old-layout nodes keep exactly their old attributes (plans written before BTC existed compare equal).
        if timeMajor { a["layout"] = .string("BTC"); a["glu"] = .int(glu ? 1 : 0) }
        return a
    }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let p = Self.qualifiedName
        let x = try PluginInputs.float(inputs, 0, plugin: p)
        let w = try PluginInputs.float(inputs, 1, plugin: p)
        guard let ws = w.shape, ws.rank == 3, let k = ws[2].value, ws[1].value == 1 else {
            throw PluginError.invalidInputs(plugin: p, reason: "W must be [C, 1, K] with a static K")
        }
        guard let xs = x.shape else { return [ValueType(.float32, nil)] }
        guard xs.rank == 3 else {
            throw PluginError.invalidInputs(plugin: p, reason: "X must be \(timeMajor ? "[B, T, C]" : "[B, C, T]"), got \(xs.bracketed)")
        }
        let (timeAxis, channelAxis) = timeMajor ? (1, 2) : (2, 1)
        if let c = ws[0].value, let xc = xs[channelAxis].value, xc != (glu ? 2 * c : c) {
            throw PluginError.invalidInputs(plugin: p, reason: "X has \(xc) channels, W \(c)\(glu ? " (X must hold 2C with glu)" : "")")
        }
        let shrink = k - 1 - padBegin - padEnd
        let t: Dim
        if let v = xs[timeAxis].value { t = .value(v - shrink) }
        else { t = shrink == 0 ? xs[timeAxis] : .symbol("(\(xs[timeAxis]))\(shrink > 0 ? "-" : "+")\(abs(shrink))") }
        let c = glu ? (ws[0].value.map(Dim.value) ?? xs[2].floorDivided(by: 2) ?? ws[0]) : xs[channelAxis]
        return [ValueType(.float32, Shape(timeMajor ? [xs[0], t, c] : [xs[0], c, t]))]
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { [timeMajor ? "dwconv.btc" : "dwconv.direct"] }

    public func workspaceSize(inputShapes: [[Int]], tactic: String) -> Int {
        guard glu, let x = inputShapes.first, x.count == 3 else { return 0 }
        return x[0] * x[1] * (x[2] / 2) * MemoryLayout<Float>.stride
    }

    public func enqueue(_ call: PluginCall) throws {
        let p = Self.qualifiedName
        let x = try call.input(0, of: p), w = try call.input(1, of: p)
        guard call.tactic == (timeMajor ? "dwconv.btc" : "dwconv.direct") else {
            throw PluginError.unknownTactic(plugin: p, tactic: call.tactic)
        }
        let bias = call.inputs.count > 2 ? call.inputs[2] : nil
        guard x.shape.count == 3, w.shape.count == 3, w.shape[1] == 1, let y = call.outputs.first else {
            throw PluginError.invalidInputs(plugin: p, reason: "X \(x.shape) and W \(w.shape) do not make a depthwise convolution")
        }
        if let bias { try PluginInputs.check(bias, count: w.shape[0], "bias", plugin: p) }
        if timeMajor { try enqueueTimeMajor(call, x, w, bias, y) } else { try enqueueChannelsFirst(call, x, w, bias, y) }
    }

    private func enqueueChannelsFirst(_ call: PluginCall, _ x: TensorBuffer, _ w: TensorBuffer, _ bias: TensorBuffer?,
                                      _ y: TensorBuffer) throws {
        guard w.shape[0] == x.shape[1], y.shape == [x.shape[0], x.shape[1], x.shape[2] + padBegin + padEnd - w.shape[2] + 1] else {
            throw PluginError.invalidInputs(plugin: Self.qualifiedName,
                                            reason: "X \(x.shape) and W \(w.shape) do not make a depthwise convolution")
        }
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
