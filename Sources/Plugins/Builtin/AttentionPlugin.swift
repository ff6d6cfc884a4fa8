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
/// Each (batch, head) tile works in cache: Q_h gets its bias and the scale,
/// K_h its bias (both in place, in the tile's own columns), one GEMM gives
/// the S×S scores, the mask is added and a SIMD softmax taken, then
/// `P_h·V_h + b_v` goes to Y (each row of P_h sums to 1). No pass over the
/// whole Q/K/V buffer.
///
/// Tactics (see ``AttentionThreading``): `attention.heads.parallel` (tiles
/// spread over the context's threads, OpenBLAS set to one thread meanwhile and
/// restored after), `attention.pool` (OpenBLAS on one thread for the whole
/// layer, the Q/K/V projection split by rows over the context's threads) and
/// `attention.heads.serial` (one tile at a time, threads left to OpenBLAS).
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

    static let tacticNames = AttentionThreading.tactics("attention")

    public func tactics(inputShapes: [[Int]]) -> [String] { Self.tacticNames }

    public func workspaceSize(inputShapes: [[Int]], tactic: String) -> Int {
        guard let x = inputShapes.first, x.count == 3 else { return 0 }
        let (b, s, c) = (x[0], x[1], x[2])
        let blocks = tactic == "attention.heads.serial" ? 1 : min(b * heads, RelPosAttentionPlugin.maxSlots)
        return (b * s * 3 * c + blocks * s * s) * MemoryLayout<Float>.size
    }

    public func enqueue(_ call: PluginCall) throws {
        let p = Self.qualifiedName
        let x = try call.input(0, of: p), w = try call.input(1, of: p), bias = try call.input(2, of: p)
        guard x.shape.count == 3, let y = call.outputs.first, let workspace = call.workspace else {
            throw PluginError.invalidInputs(plugin: p, reason: "X must be [B, S, C]")
        }
        guard let mode = AttentionThreading(tactic: call.tactic, prefix: "attention") else {
            throw PluginError.unknownTactic(plugin: p, tactic: call.tactic)
        }
        let (b, s, c) = (x.shape[0], x.shape[1], x.shape[2])
        guard c % heads == 0, y.count == x.count else {
            throw PluginError.invalidInputs(plugin: p, reason: "X \(x.shape) does not split into \(heads) heads")
        }
        try PluginInputs.check(w, count: c * 3 * c, "W", plugin: p)
        try PluginInputs.check(bias, count: 3 * c, "bias", plugin: p)
        let mask = call.inputs.count > 3 ? call.inputs[3] : nil
        if let mask, mask.dataType != .float32 {
            throw PluginError.invalidInputs(plugin: p, reason: "mask must be float32 (additive), got \(mask.dataType)")
        }
        let maskStrides = try mask.map { try Self.broadcastStrides($0.shape, to: [b, heads, s, s]) }
        let qkv = workspace.assumingMemoryBound(to: Float.self)
        let tile = AttentionTile(s: s, c: c, d: c / heads, heads: heads, scale: scale, qkv: qkv, bias: bias.floats,
                                 mask: mask?.floats, maskStrides: maskStrides ?? [0, 0, 0, 0], y: y.floats)
        let scores = qkv + b * s * 3 * c
        let (pool, tiles) = (call.threads, b * heads)
        let slots = min(tiles, RelPosAttentionPlugin.maxSlots)
        let parallelTiles = {
            pool.parallelFor(slots) { slot in
                var bh = slot
                while bh < tiles { tile.run(bh, scores: scores + slot * s * s); bh += slots }
            }
        }
        let run = {
            mode.gemm(m: b * s, n: 3 * c, k: c, a: x.floats, lda: c, b: w.floats, ldb: 3 * c, c: qkv, ldc: 3 * c, pool: pool)
            switch mode {
            case .serial: for bh in 0..<tiles { tile.run(bh, scores: scores) }
            case .parallel: AttentionThreading.withSingleThreadedBLAS(pool, parallelTiles)
            case .pool: parallelTiles()
            }
        }
        if mode == .pool { AttentionThreading.withSingleThreadedBLAS(pool, run) } else { run() }
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

/// One (batch, head) tile of ``AttentionPlugin``: sizes, shared buffers and
/// the kernel. Tile `bh` reads and writes only its own head's columns of
/// `qkv` and `y`, so tiles may run in parallel.
private struct AttentionTile: @unchecked Sendable {
    let s: Int, c: Int, d: Int, heads: Int, scale: Float
    /// X·W without bias, [B, S, 3C]; the tile biases its Q and K columns in place.
    let qkv: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>
    let mask: UnsafeMutablePointer<Float>?
    /// The mask's element strides as [B, H, S, S] (0 on broadcast axes).
    let maskStrides: [Int]
    let y: UnsafeMutablePointer<Float>

    /// Scores (in the S×S block `scores`), mask, softmax and context for tile `bh`.
    func run(_ bh: Int, scores: UnsafeMutablePointer<Float>) {
        let (bi, h) = (bh / heads, bh % heads)
        let q = qkv + bi * s * 3 * c + h * d, k = q + c, v = q + 2 * c
        for i in 0..<s {
            Vector.addScaled(q + i * 3 * c, bias + h * d, scale, into: q + i * 3 * c, d)
            Vector.add(k + i * 3 * c, bias + c + h * d, into: k + i * 3 * c, d)
        }
        BLAS.sgemm(transA: false, transB: true, m: s, n: s, k: d, alpha: 1, a: q, lda: 3 * c,
                   b: k, ldb: 3 * c, beta: 0, c: scores, ldc: s)
        let st = maskStrides
        for i in 0..<s {
            let row = scores + i * s
            if let mask {
                let m = mask + bi * st[0] + h * st[1] + i * st[2]
                switch st[3] {
                case 1: Vector.add(row, m, into: row, s)
                case 0: let a = m[0]; for j in 0..<s { row[j] += a }
                default: for j in 0..<s { row[j] += m[j * st[3]] }
                }
            }
            Vector.softmax(row, s)
        }
        let out = y + bi * s * c + h * d
        BLAS.sgemm(transA: false, transB: false, m: s, n: d, k: s, alpha: 1, a: scores, lda: s,
                   b: v, ldb: 3 * c, beta: 0, c: out, ldc: c)
        for i in 0..<s { Vector.add(out + i * c, bias + 2 * c + h * d, into: out + i * c, d) }
    }
}
