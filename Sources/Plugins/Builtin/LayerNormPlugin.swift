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

    public func tactics(inputShapes: [[Int]]) -> [String] { LayerNormKernel.tactics }

    public func enqueue(_ call: PluginCall) throws {
        try LayerNormKernel.check(call.tactic, plugin: Self.qualifiedName)
        let x = try call.input(0, of: Self.qualifiedName)
        let gamma = try call.input(1, of: Self.qualifiedName)
        let c = x.shape.last ?? 1
        try PluginInputs.check(gamma, count: c, "gamma", plugin: Self.qualifiedName)
        let beta = call.inputs.count > 2 ? call.inputs[2] : nil
        if let beta { try PluginInputs.check(beta, count: c, "beta", plugin: Self.qualifiedName) }
        guard let y = call.outputs.first else { return }
        LayerNormKernel.run(x: x.floats, skip: nil, sum: nil, y: y.floats, rows: x.count / max(c, 1), columns: c,
                            gamma: gamma.floats, beta: beta?.floats, epsilon: epsilon, tactic: call.tactic, threads: call.threads)
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

    public func tactics(inputShapes: [[Int]]) -> [String] { LayerNormKernel.tactics }

    public func enqueue(_ call: PluginCall) throws {
        try LayerNormKernel.check(call.tactic, plugin: Self.qualifiedName)
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
                            gamma: gamma.floats, beta: beta?.floats, epsilon: epsilon, tactic: call.tactic, threads: call.threads)
    }
}

/// The row kernel both LayerNorm plugins share: per row, the residual sum
/// (SkipLayerNorm), then mean and variance in two SIMD passes over the row
/// while it is in cache, then the normalized, scaled and shifted output.
///
/// Tactics: `layernorm.serial` (all rows on the calling thread) and
/// `layernorm.parallel` (rows split in contiguous chunks over the context's
/// threads); the builder times both, since small inputs do not pay for the
/// dispatch. `layernorm.rows`, the name plans made before version 1's SIMD
/// kernel recorded, runs as `layernorm.parallel`.
enum LayerNormKernel {
    static let tactics = ["layernorm.parallel", "layernorm.serial"]

    /// Throws unless `tactic` is one of ``tactics`` (or the legacy `layernorm.rows`).
    static func check(_ tactic: String, plugin: String) throws {
        guard tactics.contains(tactic) || tactic == "layernorm.rows" else {
            throw PluginError.unknownTactic(plugin: plugin, tactic: tactic)
        }
    }

    static func run(x: UnsafeMutablePointer<Float>, skip: UnsafeMutablePointer<Float>?, sum: UnsafeMutablePointer<Float>?,
                    y: UnsafeMutablePointer<Float>, rows: Int, columns c: Int,
                    gamma: UnsafeMutablePointer<Float>, beta: UnsafeMutablePointer<Float>?,
                    epsilon: Float, tactic: String, threads: ThreadPool) {
        guard c > 0, rows > 0 else { return }
        let body = { (range: Range<Int>) in
            for r in range {
                let xr = x + r * c, yr = y + r * c
                // With a skip input, the sum goes to `sum` (or `y` as scratch) first.
                var src = xr
                if let skip {
                    src = sum.map { $0 + r * c } ?? yr
                    Vector.add(xr, skip + r * c, into: src, c)
                }
                let (mean, variance) = Vector.meanVariance(src, c)
                normalize(src, into: yr, c, mean: mean, inverse: 1 / (variance + epsilon).squareRoot(), gamma: gamma, beta: beta)
            }
        }
        if tactic == "layernorm.serial" { body(0..<rows) } else { threads.parallelChunks(rows, body) }
    }

    /// `y[j] ← (x[j] − μ) · inverse · γ[j] + β[j]` (`y` may be `x`).
    @inline(__always)
    static func normalize(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ c: Int, mean: Float, inverse: Float,
                          gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>?) {
        let m = SIMD8<Float>(repeating: mean), s = SIMD8<Float>(repeating: inverse)
        var j = 0
        if let beta {
            while j + 8 <= c {
                Vector.store8((Vector.load8(x + j) - m) * s * Vector.load8(gamma + j) + Vector.load8(beta + j), y + j)
                j += 8
            }
            while j < c { y[j] = (x[j] - mean) * inverse * gamma[j] + beta[j]; j += 1 }
        } else {
            while j + 8 <= c { Vector.store8((Vector.load8(x + j) - m) * s * Vector.load8(gamma + j), y + j); j += 8 }
            while j < c { y[j] = (x[j] - mean) * inverse * gamma[j]; j += 1 }
        }
    }
}
