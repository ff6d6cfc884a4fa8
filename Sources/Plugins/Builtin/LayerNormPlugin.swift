import Foundation
import IR
import Kernels

/// Layer normalization over the last axis (`com.workbench::LayerNorm`):
///
///     μ = mean(x),  σ² = mean((x − μ)²),  y = (x − μ) / √(σ² + ε) · γ + β
///
/// Inputs: `X` [..., C], `gamma` [C], optional `beta` [C]. Output `Y` like `X`.
/// Attribute: `epsilon` (FLOAT, default 1e-5).
public final class LayerNormPlugin: Plugin {
    public static let name = "LayerNorm"
    public static let version = 1
    public let epsilon: Float

    public init(attributes: [String: Attribute]) throws {
        epsilon = try PluginAttributes.normalizationEpsilon(Self.qualifiedName, attributes)
    }

    public var attributes: [String: Attribute] { ["epsilon": .float(epsilon)] }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let x = try PluginInputs.float(inputs, 0, plugin: Self.qualifiedName)
        _ = try PluginInputs.lastDim(x, 0, plugin: Self.qualifiedName)
        return [x]
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { ["layernorm.rows"] }

    public func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.qualifiedName)
        let gamma = try call.input(1, of: Self.qualifiedName)
        let c = x.shape.last ?? 1
        try PluginInputs.check(gamma, count: c, "gamma", plugin: Self.qualifiedName)
        let beta = call.inputs.count > 2 ? call.inputs[2] : nil
        if let beta { try PluginInputs.check(beta, count: c, "beta", plugin: Self.qualifiedName) }
        guard let y = call.outputs.first else { return }
        LayerNormKernel.run(x: x.floats, skip: nil, sum: nil, y: y.floats, rows: x.count / max(c, 1), columns: c,
                            gamma: gamma.floats, beta: beta?.floats, epsilon: epsilon, threads: call.threads)
    }
}

/// Residual add then layer normalization (`com.workbench::SkipLayerNorm`):
///
///     s = x + skip,  y = LayerNorm(s) · γ + β
///
/// Inputs: `X`, `skip` (same shape), `gamma`, optional `beta`. Outputs: `Y` and
/// the sum `s` (the residual stream the next block adds to; may be omitted).
/// Attribute: `epsilon` (FLOAT, default 1e-5).
public final class SkipLayerNormPlugin: Plugin {
    public static let name = "SkipLayerNorm"
    public static let version = 1
    public let epsilon: Float

    public init(attributes: [String: Attribute]) throws {
        epsilon = try PluginAttributes.normalizationEpsilon(Self.qualifiedName, attributes)
    }

    public var attributes: [String: Attribute] { ["epsilon": .float(epsilon)] }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let x = try PluginInputs.float(inputs, 0, plugin: Self.qualifiedName)
        let s = try PluginInputs.float(inputs, 1, plugin: Self.qualifiedName)
        if let a = x.shape, let b = s.shape, a.rank != b.rank {
            throw PluginError.invalidInputs(plugin: Self.qualifiedName, reason: "X \(a.bracketed) and skip \(b.bracketed) differ in rank")
        }
        return [x, x]
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { ["layernorm.rows"] }

    public func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.qualifiedName)
        let skip = try call.input(1, of: Self.qualifiedName)
        let gamma = try call.input(2, of: Self.qualifiedName)
        let c = x.shape.last ?? 1
        try PluginInputs.check(skip, count: x.count, "skip", plugin: Self.qualifiedName)
        try PluginInputs.check(gamma, count: c, "gamma", plugin: Self.qualifiedName)
        let beta = call.inputs.count > 3 ? call.inputs[3] : nil
        if let beta { try PluginInputs.check(beta, count: c, "beta", plugin: Self.qualifiedName) }
        guard let y = call.outputs.first else { return }
        let sum = call.outputs.count > 1 ? call.outputs[1].floats : nil
        LayerNormKernel.run(x: x.floats, skip: skip.floats, sum: sum, y: y.floats, rows: x.count / max(c, 1), columns: c,
                            gamma: gamma.floats, beta: beta?.floats, epsilon: epsilon, threads: call.threads)
    }
}

/// The row kernel both LayerNorm plugins share: two passes over each row
/// (mean, then variance of the centred values), rows split over threads.
enum LayerNormKernel {
    static func run(x: UnsafeMutablePointer<Float>, skip: UnsafeMutablePointer<Float>?, sum: UnsafeMutablePointer<Float>?,
                    y: UnsafeMutablePointer<Float>, rows: Int, columns c: Int,
                    gamma: UnsafeMutablePointer<Float>, beta: UnsafeMutablePointer<Float>?,
                    epsilon: Float, threads: ThreadPool) {
        guard c > 0 else { return }
        threads.parallelChunks(rows) { range in
            for r in range {
                let xr = x + r * c, yr = y + r * c
                // With a skip input, the sum goes to `sum` (or `y` as scratch) first.
                let src: UnsafeMutablePointer<Float>
                if let skip {
                    let dst = sum.map { $0 + r * c } ?? yr
                    let sr = skip + r * c
                    for j in 0..<c { dst[j] = xr[j] + sr[j] }
                    src = dst
                } else {
                    src = xr
                }
                var mean: Float = 0
                for j in 0..<c { mean += src[j] }
                mean /= Float(c)
                var variance: Float = 0
                for j in 0..<c { let d = src[j] - mean; variance += d * d }
                variance /= Float(c)
                let inv = 1 / (variance + epsilon).squareRoot()
                if let beta {
                    for j in 0..<c { yr[j] = (src[j] - mean) * inv * gamma[j] + beta[j] }
                } else {
                    for j in 0..<c { yr[j] = (src[j] - mean) * inv * gamma[j] }
                }
            }
        }
    }
}
