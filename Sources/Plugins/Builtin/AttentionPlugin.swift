import CKernels
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
/// The projection runs on ``PackedGEMM`` with `W` packed at build time
/// (``pack(constant:input:)``; a `W` given at run time is packed into the
/// workspace) and the bias in its epilogue. Each (batch, head) tile then works
/// in cache. With AVX-512 and a mask that is the same for every query (none,
/// or per key) it is `wb_attention_tile`: K_h and V_h packed once, then per 16
/// queries the keys-major scores K_h·Q_hᵀ, the scale, mask and softmax down their
/// columns, and `P_h·V_h` with the scores as the GEMM's packed A as they stand
/// (BERT 1×512 3% faster end to end than the row-major path, which packed the
/// probabilities of every query block again). Otherwise, 64 query rows at a time:
/// one register-blocked GEMM gives their scores against the packed K_h, the scale
/// and mask are applied and a SIMD softmax taken, and `P_h·V_h` goes to Y. No
/// OpenBLAS call anywhere.
///
/// Tactics (see ``AttentionThreading``): `attention.heads.parallel` (tiles
/// spread over the context's threads, inline when they are tiny) and
/// `attention.heads.serial` (tiles one after another on the calling thread; run
/// when asked for, not timed by the builder), each also with the suffix `.rows`,
/// whose tiles take the row-major path even where the keys-major one runs; the
/// builder times `attention.heads.parallel` against `attention.heads.parallel.rows`.
public final class AttentionPlugin: Plugin {
    public static let name = "Attention"
    public static let version = 2
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
        if let ws = w.shape, ws.rank != 2 && !(ws.rank == 3 && ws[2].value == PackedGEMM.panelWidth) { throw PluginError.invalidInputs(plugin: p, reason: "W must be [C, 3C], got \(ws.bracketed)") }
        if let c = x.shape?.dims.last?.value, c % heads != 0 {
            throw PluginError.invalidInputs(plugin: p, reason: "hidden size \(c) is not a multiple of \(heads) heads")
        }
        return [x]
    }

    static let tacticNames = AttentionThreading.tactics("attention")

    public func tactics(inputShapes: [[Int]]) -> [String] { Self.tacticNames }

    /// Packs `W` into ``PackedGEMM``'s panels.
    public func pack(constant: Tensor, input: Int) throws -> Tensor? { input == 1 ? AttentionPanels.pack(constant) : nil }

    public func workspaceSize(inputShapes: [[Int]], tactic: String) -> Int {
        guard let x = inputShapes.first, x.count == 3 else { return 0 }
        let (b, s, c) = (x[0], x[1], x[2])
        let slots = AttentionThreading.slots(tactic: tactic, tiles: b * heads, maxSlots: RelPosAttentionPlugin.maxSlots)
        let weight = AttentionPanels.scratchFloats(inputShapes.count > 1 ? inputShapes[1] : nil, k: c, n: 3 * c)
        return (b * s * 3 * c + weight + slots * AttentionTile.floats(s: s, d: c / heads)) * MemoryLayout<Float>.size
    }

    public func enqueue(_ call: PluginCall) throws {
        let p = Self.qualifiedName
        let x = try call.input(0, of: p), bias = try call.input(2, of: p)
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
        try PluginInputs.check(bias, count: 3 * c, "bias", plugin: p)
        let mask = call.inputs.count > 3 ? call.inputs[3] : nil
        if let mask, mask.dataType != .float32 {
            throw PluginError.invalidInputs(plugin: p, reason: "mask must be float32 (additive), got \(mask.dataType)")
        }
        let maskStrides = try mask.map { try Self.broadcastStrides($0.shape, to: [b, heads, s, s]) }
        let qkv = workspace.assumingMemoryBound(to: Float.self)
        var scratch = qkv + b * s * 3 * c
        let w = try AttentionPanels.panels(call.input(1, of: p), k: c, n: 3 * c, "W", plugin: p, scratch: &scratch)
        PackedGEMM.run(m: b * s, n: 3 * c, k: c, a: x.floats, lda: c, packed: w, c: qkv, ldc: 3 * c,
                       epilogue: GEMM.Epilogue(bias: bias.floats), threads: call.threads)
        let tile = AttentionTile(s: s, c: c, d: c / heads, heads: heads, scale: scale, qkv: qkv,
                                 mask: mask?.floats, maskStrides: maskStrides ?? [0, 0, 0, 0], y: y.floats,
                                 keysMajor: !AttentionThreading.rowMajor(call.tactic))
        let tiles = b * heads, size = AttentionTile.floats(s: s, d: c / heads)
        let slots = AttentionThreading.slots(tactic: call.tactic, tiles: tiles, maxSlots: RelPosAttentionPlugin.maxSlots)
        mode.forEachTile(tiles, slots: slots, work: tiles * s * s * 2 * (c / heads), pool: call.threads) { bh, slot in
            tile.run(bh, scratch: scratch + slot * size)
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

/// One (batch, head) tile of ``AttentionPlugin``: sizes, shared buffers and
/// the kernel. Tile `bh` reads `qkv` and writes only its own head's columns
/// of `y`, so tiles may run in parallel.
private struct AttentionTile: @unchecked Sendable {
    let s: Int, c: Int, d: Int, heads: Int, scale: Float
    /// X·W + bias, [B, S, 3C].
    let qkv: UnsafePointer<Float>
    let mask: UnsafePointer<Float>?
    /// The mask's element strides as [B, H, S, S] (0 on broadcast axes).
    let maskStrides: [Int]
    let y: UnsafeMutablePointer<Float>
    /// Whether the tiles may take `wb_attention_tile`'s keys-major path (not for `….rows` tactics).
    let keysMajor: Bool

    /// Query rows per block: a block's scores (64 × S) stay in L2 from their GEMM through the
    /// softmax to the context GEMM, where whole S × S scores (1 MB at S = 512) did not (BERT
    /// at 1×512 and 4×256 about 6% faster end to end, interleaved, 40 rounds).
    static let rowBlock = 64

    /// Scratch floats one tile uses: a row block's scores and softmax divisors, and the
    /// panels of K_hᵀ and V_h; or what `wb_attention_tile` uses, if more.
    static func floats(s: Int, d: Int) -> Int {
        max(min(s, rowBlock) * (s + 1) + PackedGEMM.packedCount(k: d, n: s) + PackedGEMM.packedCount(k: s, n: d),
            Int(wb_attention_tile_floats(s, d, d)))
    }

    /// Scores, scale, mask, softmax and context for tile `bh` (batch `bh / H`, head `bh % H`):
    /// `wb_attention_tile` (keys-major scores, 16 queries at a time, AVX-512) where the mask
    /// is the same for every query, else (or where that kernel declines: no AVX-512, a NaN,
    /// a query without a finite logit) one block of query rows at a time against all keys.
    func run(_ bh: Int, scratch: UnsafeMutablePointer<Float>) {
        let (bi, h) = (bh / heads, bh % heads)
        let q = qkv + bi * s * 3 * c + h * d, k = q + c, v = q + 2 * c
        if keysMajor && (mask == nil || maskStrides[2] == 0) {
            let keyMask = mask.map { $0 + bi * maskStrides[0] + h * maskStrides[1] }
            if wb_attention_tile(s, s, d, d, q, 3 * c, k, 3 * c, v, 3 * c, scale, keyMask, maskStrides[3],
                                 y + bi * s * c + h * d, c, scratch) == 0 { return }
        }
        let scores = scratch, inverseSums = scratch + min(s, Self.rowBlock) * s, keyPanels = inverseSums + min(s, Self.rowBlock)
        let valuePanels = keyPanels + PackedGEMM.packedCount(k: d, n: s)
        AttentionPanels.packTile(k, ldb: 3 * c, transposed: true, k: d, n: s, into: keyPanels)
        AttentionPanels.packTile(v, ldb: 3 * c, transposed: false, k: s, n: d, into: valuePanels)
        let st = maskStrides
        for r0 in stride(from: 0, to: s, by: Self.rowBlock) {
            let rows = min(Self.rowBlock, s - r0)
            AttentionPanels.gemmTile(m: rows, n: s, k: d, a: q + r0 * 3 * c, lda: 3 * c, panels: keyPanels,
                                     c: scores, ldc: s)
            // One pass per row: scale, mask and exponentials; the division waits for the context.
            for i in 0..<rows {
                let row = scores + i * s
                var rowMask: UnsafePointer<Float>?, rowScale = scale
                if let mask {
                    let m = mask + bi * st[0] + h * st[1] + (r0 + i) * st[2]
                    if st[3] == 1 {
                        rowMask = m
                    } else {
                        // A broadcast (stride 0) or strided mask row: added to the scaled logits here.
                        Vector.scale(row, by: scale, s)
                        for j in 0..<s { row[j] += m[j * st[3]] }
                        rowScale = 1
                    }
                }
                inverseSums[i] = 1 / Vector.softmaxExponentials(row, s, scale: rowScale, mask: rowMask)
            }
            let out = y + (bi * s + r0) * c + h * d
            AttentionPanels.gemmTile(m: rows, n: d, k: s, a: scores, lda: s, panels: valuePanels, c: out, ldc: c)
            for i in 0..<rows { Vector.scale(out + i * c, by: inverseSums[i], d) }
        }
    }
}
