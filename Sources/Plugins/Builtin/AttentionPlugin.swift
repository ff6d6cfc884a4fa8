import Foundation
import IR
import Kernels

/// BERT multi-head self-attention with merged Q/K/V projections
/// (`com.workbench::Attention`, after ONNX Runtime's contrib op):
///
///     [Q K V] = X·W + bias                       (one GEMM over B·S rows)
///     P_h = softmax(scale · Q_h·K_hᵀ + mask)     per batch and head
///     Y[:, :, h·D ..< (h+1)·D] = P_h · V_h
///
/// Inputs: `X` [B, S, C], `W` [C, 3C] (Q, K, V columns side by side), `bias`
/// [3C], optional additive `mask` broadcastable to [B, H, S, S] (rank ≤ 4).
/// Output `Y` [B, S, C]. Attributes: `num_heads` (INT, divides C), `scale` (FLOAT).
///
/// Tactics: `attention.heads.parallel` (batch·heads spread over threads, one
/// S×S score block each) and `attention.heads.serial` (one head at a time,
/// threads left to BLAS; smaller workspace).
public final class AttentionPlugin: Plugin {
    public static let name = "Attention"
    public static let version = 1
    public let heads: Int
    public let scale: Float

    public init(attributes: [String: Attribute]) throws {
        let a = PluginAttributes(Self.qualifiedName, attributes)
        try a.only(["num_heads", "scale"])
        heads = try a.int("num_heads")
        scale = try a.float("scale")
        guard heads > 0 else { throw a.fail("num_heads", "must be positive, got \(heads)") }
        guard scale.isFinite else { throw a.fail("scale", "must be finite") }
    }

    public var attributes: [String: Attribute] { ["num_heads": .int(heads), "scale": .float(scale)] }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let p = Self.qualifiedName
        let x = try PluginInputs.float(inputs, 0, plugin: p)
        let w = try PluginInputs.float(inputs, 1, plugin: p)
        if let s = x.shape, s.rank != 3 { throw PluginError.invalidInputs(plugin: p, reason: "X must be [B, S, C], got \(s.bracketed)") }
        if let ws = w.shape, ws.rank != 2 { throw PluginError.invalidInputs(plugin: p, reason: "W must be [C, 3C], got \(ws.bracketed)") }
        if let c = x.shape?.dims.last?.value, c % heads != 0 {
            throw PluginError.invalidInputs(plugin: p, reason: "hidden size \(c) is not a multiple of \(heads) heads")
        }
        return [x]
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { ["attention.heads.parallel", "attention.heads.serial"] }

    public func workspaceSize(inputShapes: [[Int]], tactic: String) -> Int {
        guard let x = inputShapes.first, x.count == 3 else { return 0 }
        let (b, s, c) = (x[0], x[1], x[2])
        let blocks = tactic == "attention.heads.serial" ? 1 : b * heads
        return (b * s * 3 * c + blocks * s * s) * MemoryLayout<Float>.size
    }

    public func enqueue(_ call: PluginCall) throws {
        let p = Self.qualifiedName
        let x = try call.input(0, of: p), w = try call.input(1, of: p), bias = try call.input(2, of: p)
        guard x.shape.count == 3, let y = call.outputs.first, let workspace = call.workspace else {
            throw PluginError.invalidInputs(plugin: p, reason: "X must be [B, S, C]")
        }
        guard ["attention.heads.parallel", "attention.heads.serial"].contains(call.tactic) else {
            throw PluginError.unknownTactic(plugin: p, tactic: call.tactic)
        }
        let (b, s, c) = (x.shape[0], x.shape[1], x.shape[2])
        try PluginInputs.check(w, count: c * 3 * c, "W", plugin: p)
        try PluginInputs.check(bias, count: 3 * c, "bias", plugin: p)
        let mask = call.inputs.count > 3 ? call.inputs[3] : nil
        let maskStrides = try mask.map { try Self.broadcastStrides($0.shape, to: [b, heads, s, s]) }
        let qkv = workspace.assumingMemoryBound(to: Float.self)
        BLAS.sgemm(transA: false, transB: false, m: b * s, n: 3 * c, k: c, alpha: 1, a: x.floats, lda: c,
                   b: w.floats, ldb: 3 * c, beta: 0, c: qkv, ldc: 3 * c)
        for r in 0..<(b * s) { let row = qkv + r * 3 * c; for j in 0..<(3 * c) { row[j] += bias.floats[j] } }
        let scores = qkv + b * s * 3 * c
        let d = c / heads
        let head: (Int, UnsafeMutablePointer<Float>) -> Void = { bh, block in
            let (bi, h) = (bh / self.heads, bh % self.heads)
            let q = qkv + bi * s * 3 * c + h * d
            BLAS.sgemm(transA: false, transB: true, m: s, n: s, k: d, alpha: self.scale, a: q, lda: 3 * c,
                       b: q + c, ldb: 3 * c, beta: 0, c: block, ldc: s)
            for i in 0..<s {
                let row = block + i * s
                if let mask, let st = maskStrides {
                    let base = bi * st[0] + h * st[1] + i * st[2]
                    for j in 0..<s { row[j] += mask.floats[base + j * st[3]] }
                }
                Softmax.row(row, s)
            }
            BLAS.sgemm(transA: false, transB: false, m: s, n: d, k: s, alpha: 1, a: block, lda: s,
                       b: q + 2 * c, ldb: 3 * c, beta: 0, c: y.floats + bi * s * c + h * d, ldc: c)
        }
        if call.tactic == "attention.heads.serial" {
            for bh in 0..<(b * heads) { head(bh, scores) }
        } else {
            call.threads.parallelFor(b * heads) { bh in head(bh, scores + bh * s * s) }
        }
    }

    /// Element strides of a float mask of `shape` read as `target` (right-aligned broadcasting).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) throws -> [Int] {
        guard shape.count <= target.count else {
            throw PluginError.invalidInputs(plugin: qualifiedName, reason: "mask \(shape) has rank above \(target.count)")
        }
        let padded = [Int](repeating: 1, count: target.count - shape.count) + shape
        let strides = Shapes.strides(padded)
        return try (0..<target.count).map { k in
            if padded[k] == target[k] { return strides[k] }
            guard padded[k] == 1 else {
                throw PluginError.invalidInputs(plugin: qualifiedName, reason: "mask \(shape) does not broadcast to \(target)")
            }
            return 0
        }
    }
}

/// Softmax over one contiguous row, in place (max-subtracted).
enum Softmax {
    static func row(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
        guard n > 0 else { return }
        var m = -Float.infinity
        for j in 0..<n { m = max(m, p[j]) }
        if m == -.infinity { m = 0 }
        var sum: Float = 0
        for j in 0..<n { let e = Foundation.exp(p[j] - m); p[j] = e; sum += e }
        let inv = 1 / sum
        for j in 0..<n { p[j] *= inv }
    }
}
