import Foundation
import IR

/// Softmax, LogSoftmax, BatchNormalization (inference) and LayerNormalization,
/// for float32 and float64 inputs. Every kernel computes in Double and rounds
/// once on output.
enum Normalization {
    /// Softmax / LogSoftmax, numerically stable:
    ///
    ///     softmax(x)ᵢ    = exp(xᵢ − m) / Σⱼ exp(xⱼ − m)          with m = maxⱼ xⱼ
    ///     logsoftmax(x)ᵢ = xᵢ − m − log Σⱼ exp(xⱼ − m)
    ///
    /// From opset 13 the sum runs along `axis` (default −1). Before 13 the
    /// input is coerced to 2-D at `axis` (default 1): rows are the dims before
    /// `axis`, and the sum runs over all dims from `axis` on.
    static func softmax(_ op: Op, _ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        guard x.rank >= 1 else { throw ctx.fail("input must have rank ≥ 1 (got a scalar)") }
        let modern = ctx.opset >= 13
        let axis = try MathShape.axis(try ctx.node.int("axis", default: modern ? -1 : 1)!, rank: x.rank, ctx)
        let outer = MathShape.product(x.shape, 0..<axis)
        let length = modern ? x.shape[axis] : MathShape.product(x.shape, axis..<x.rank)
        let inner = modern ? MathShape.product(x.shape, (axis + 1)..<x.rank) : 1
        let log = op == .logSoftmax
        switch x.data {
        case .float32(let v):
            return Tensor(shape: x.shape, data: .float32(softmax(v, outer, length, inner, log: log)))
        case .float64(let v):
            return Tensor(shape: x.shape, data: .float64(softmax(v, outer, length, inner, log: log)))
        default: throw ctx.fail("\(op.rawValue) does not support dtype \(x.dataType) in the reference")
        }
    }

    /// Softmax over the middle dim of `[outer, length, inner]`.
    static func softmax<T: MathReal>(_ x: [T], _ outer: Int, _ length: Int, _ inner: Int, log: Bool) -> [T] {
        var y = [T](repeating: 0, count: x.count)
        var shifted = [Double](repeating: 0, count: length)
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var m = -Double.infinity
                for j in 0..<length {
                    let v = x[base + j * inner].mathDouble
                    if v > m || v.isNaN { m = v }
                }
                var sum = 0.0
                for j in 0..<length {
                    shifted[j] = x[base + j * inner].mathDouble - m
                    sum += Foundation.exp(shifted[j])
                }
                let logSum = Foundation.log(sum)
                for j in 0..<length {
                    y[base + j * inner] = T(log ? shifted[j] - logSum : Foundation.exp(shifted[j]) / sum)
                }
            }
        }
        return y
    }

    /// BatchNormalization in inference mode, per channel `c` (dim 1):
    ///
    ///     Y = (X − mean[c]) / √(var[c] + ε) · scale[c] + B[c]
    ///
    /// `training_mode = 1` (opset 14+) and `spatial = 0` (before opset 9) are
    /// outside the reference and throw.
    static func batchNormalization(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        if try ctx.node.int("training_mode", default: 0)! != 0 {
            throw ctx.fail("training_mode=1 is not supported: the reference runs inference only")
        }
        if ctx.opset < 9, try ctx.node.int("spatial", default: 1)! == 0 {
            throw ctx.fail("spatial=0 (per-activation statistics) is not supported")
        }
        let epsilon = Double(try ctx.node.float("epsilon", default: 1e-5)!)
        guard x.rank >= 2 else { throw ctx.fail("X must be [N, C, ...] (got shape \(x.shape))") }
        let channels = x.shape[1]
        let names = ["scale", "B", "input_mean", "input_var"]
        var params: [[Double]] = []
        for (k, name) in names.enumerated() {
            let t = try ctx.input(k + 1)
            guard let v = t.mathReals, t.shape == [channels] else {
                throw ctx.fail("\(name) must be float32 or float64 of shape [\(channels)] (got \(t.dataType)\(t.shape))")
            }
            params.append(v)
        }
        var factor = [Double](repeating: 0, count: channels), shift = factor
        for c in 0..<channels {
            factor[c] = params[0][c] / (params[3][c] + epsilon).squareRoot()
            shift[c] = params[1][c] - params[2][c] * factor[c]
        }
        let inner = MathShape.product(x.shape, 2..<x.rank)
        switch x.data {
        case .float32(let v): return Tensor(shape: x.shape, data: .float32(affine(v, channels, inner, factor, shift)))
        case .float64(let v): return Tensor(shape: x.shape, data: .float64(affine(v, channels, inner, factor, shift)))
        default: throw ctx.fail("BatchNormalization does not support dtype \(x.dataType) in the reference")
        }
    }

    /// `y = x · factor[c] + shift[c]` over `[N, C, inner]`.
    static func affine<T: MathReal>(_ x: [T], _ channels: Int, _ inner: Int,
                                    _ factor: [Double], _ shift: [Double]) -> [T] {
        var y = [T](repeating: 0, count: x.count)
        let planes = channels * inner == 0 ? 0 : x.count / (channels * inner)
        for n in 0..<planes {
            for c in 0..<channels {
                let base = (n * channels + c) * inner
                for i in 0..<inner { y[base + i] = T(x[base + i].mathDouble * factor[c] + shift[c]) }
            }
        }
        return y
    }
}

// MARK: LayerNormalization
extension Normalization {
    /// LayerNormalization (opset 17) over the dims from `axis` (default −1) on:
    ///
    ///     μ = mean(X),  σ² = mean((X − μ)²),  Y = (X − μ) / √(σ² + ε) · Scale + B
    ///
    /// `Scale` and the optional `B` broadcast to the normalized shape
    /// `X.shape[axis...]`. Returns `[Y, Mean, InvStdDev]`; the last two have
    /// shape `X.shape[..<axis] + [1, ...]` and the type `stash_type` names
    /// (1: float32, the default; 11: float64).
    static func layerNormalization(_ ctx: NodeContext) throws -> [Tensor] {
        let x = try ctx.input(0), scale = try ctx.input(1)
        let bias = ctx.optionalInput(2)
        guard x.rank >= 1 else { throw ctx.fail("X must have rank ≥ 1 (got a scalar)") }
        let axis = try MathShape.axis(try ctx.node.int("axis", default: -1)!, rank: x.rank, ctx)
        let epsilon = Double(try ctx.node.float("epsilon", default: 1e-5)!)
        let stash = try ctx.node.int("stash_type", default: 1)!
        guard stash == 1 || stash == 11 else {
            throw ctx.fail("stash_type \(stash) is not supported (1 = float32, 11 = float64)")
        }
        let normalized = Array(x.shape[axis...])
        let scaleValues = try expand(scale, to: normalized, name: "Scale", ctx)
        let biasValues = try bias.map { try expand($0, to: normalized, name: "B", ctx) }
        let rows = MathShape.product(x.shape, 0..<axis)
        let statsShape = Array(x.shape[..<axis]) + [Int](repeating: 1, count: x.rank - axis)
        let y: TensorData, stats: LayerNormStats
        switch x.data {
        case .float32(let v):
            let r = layerNorm(v, rows: rows, epsilon: epsilon, scale: scaleValues, bias: biasValues)
            (y, stats) = (.float32(r.y), r.stats)
        case .float64(let v):
            let r = layerNorm(v, rows: rows, epsilon: epsilon, scale: scaleValues, bias: biasValues)
            (y, stats) = (.float64(r.y), r.stats)
        default: throw ctx.fail("LayerNormalization does not support dtype \(x.dataType) in the reference")
        }
        func wrap(_ v: [Double]) -> Tensor {
            Tensor(shape: statsShape, data: stash == 11 ? .float64(v) : .float32(v.map { Float($0) }))
        }
        return [Tensor(shape: x.shape, data: y), wrap(stats.mean), wrap(stats.invStdDev)]
    }

    /// The values of `t` broadcast (right-aligned) to `shape`, as Double.
    static func expand(_ t: Tensor, to shape: [Int], name: String, _ ctx: NodeContext) throws -> [Double] {
        guard let values = t.mathReals else {
            throw ctx.fail("\(name) must be float32 or float64 (got \(t.dataType))")
        }
        guard let index = MathShape.broadcastIndices(t.shape, to: shape) else {
            throw ctx.fail("\(name) of shape \(t.shape) does not broadcast to the normalized shape \(shape)")
        }
        return index.map { values[$0] }
    }

    struct LayerNormStats {
        var mean: [Double]
        var invStdDev: [Double]
    }

    static func layerNorm<T: MathReal>(_ x: [T], rows: Int, epsilon: Double, scale: [Double],
                                       bias: [Double]?) -> (y: [T], stats: LayerNormStats) {
        let n = scale.count
        let shift = bias ?? [Double](repeating: 0, count: n)
        var y = [T](repeating: 0, count: x.count)
        var stats = LayerNormStats(mean: .init(repeating: 0, count: rows), invStdDev: .init(repeating: 0, count: rows))
        for r in 0..<rows {
            let base = r * n
            var sum = 0.0
            for i in 0..<n { sum += x[base + i].mathDouble }
            let mean = sum / Double(n)
            var squares = 0.0
            for i in 0..<n {
                let d = x[base + i].mathDouble - mean
                squares += d * d
            }
            let inv = 1 / (squares / Double(n) + epsilon).squareRoot()
            for i in 0..<n {
                y[base + i] = T((x[base + i].mathDouble - mean) * inv * scale[i] + shift[i])
            }
            stats.mean[r] = mean
            stats.invStdDev[r] = inv
        }
        return (y, stats)
    }
}
