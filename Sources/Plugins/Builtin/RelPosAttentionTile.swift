import CKernels
import Kernels

/// One (batch, head) tile of ``RelPosAttentionPlugin``: sizes, the buffers
/// all tiles share (read-only but `ctx`, where each tile writes its own
/// columns), and the kernel.
struct RelPosTile: @unchecked Sendable {
    let t: Int, c: Int, d: Int, heads: Int, scale: Float
    /// True when `pos` has one row block per batch item rather than one for all.
    let posPerBatch: Bool
    /// X·Wqkv + bqkv, [B, T, 3C].
    let qkv: UnsafePointer<Float>
    /// pos·Wpos, [1 or B, T, C].
    let proj: UnsafePointer<Float>
    /// 1 for a kept key, 0 for a masked one, [B, T].
    let keep: UnsafePointer<Float>
    /// `pos_bias_u` and `pos_bias_v`, [H, D] each.
    let u: UnsafePointer<Float>, v: UnsafePointer<Float>
    /// The concatenated heads' context, [B, T, C].
    let ctx: UnsafeMutablePointer<Float>
    /// Whether the tiles may take `wb_attention_tile`'s keys-major path (not for `….rows` tactics).
    let keysMajor: Bool

    /// Scratch floats one tile uses: T×T scores, T×2D queries, T×2D keys, then either
    /// the keys' and V's panels or the key mask and `wb_attention_tile`'s scratch.
    static func floats(t: Int, d: Int) -> Int {
        t * t + 4 * t * d + max(PackedGEMM.packedCount(k: 2 * d, n: t) + PackedGEMM.packedCount(k: t, n: d),
                                Int(wb_attention_tile_floats(t, 2 * d, d)) + t)
    }

    /// Multiply-adds of one tile with all keys kept: scores (2D per pair) and context (D per pair).
    var work: Int { t * t * 3 * d }

    /// Scores, mask, softmax and context for tile `bh` (batch `bh / H`, head `bh % H`).
    ///
    /// Only the keys up to the last kept one take part (length masks keep a
    /// prefix, so padded keys cost nothing); every query row is computed,
    /// padded ones included, since the unfused graph gives them values too.
    func run(_ bh: Int, scratch: UnsafeMutablePointer<Float>) {
        let (bi, h) = (bh / heads, bh % heads)
        let q = qkv + bi * t * 3 * c + h * d, k = q + c, vh = q + 2 * c
        let keys = keep + bi * t
        let out = ctx + bi * t * c + h * d
        var n = t
        while n > 0 && keys[n - 1] == 0 { n -= 1 }
        guard n > 0 else {
            for i in 0..<t { (out + i * c).update(repeating: 0, count: d) }
            return
        }
        let scores = scratch, queries = scratch + t * t, keyRows = queries + 2 * t * d
        let keyPanels = keyRows + 2 * t * d, valuePanels = keyPanels + PackedGEMM.packedCount(k: 2 * d, n: t)
        let p = proj + (posPerBatch ? bi * t * c : 0) + h * d
        // [(Q_h + u_h)·s | (Q_h + v_h)·s] against [K_h | P_h]: both score terms in one GEMM.
        for i in 0..<t {
            let row = q + i * 3 * c, qi = queries + i * 2 * d
            Vector.addScaled(row, u + h * d, scale, into: qi, d)
            Vector.addScaled(row, v + h * d, scale, into: qi + d, d)
        }
        for j in 0..<n {
            (keyRows + j * 2 * d).update(from: k + j * 3 * c, count: d)
            (keyRows + j * 2 * d + d).update(from: p + j * c, count: d)
        }
        var holes = false
        for j in 0..<n where keys[j] == 0 { holes = true; break }
        if keysMajor {
            // Keys-major scores, 16 queries at a time (AVX-512); the row-major path below where it declines.
            let keyMask = keyPanels, tileScratch = keyPanels + n
            if holes { for j in 0..<n { keyMask[j] = keys[j] == 0 ? -.infinity : 0 } }
            if wb_attention_tile(t, n, 2 * d, d, queries, 2 * d, keyRows, 2 * d, vh, 3 * c, 1, holes ? keyMask : nil, 1,
                                 out, c, tileScratch) == 0 { return }
        }
        AttentionPanels.packTile(keyRows, ldb: 2 * d, transposed: true, k: 2 * d, n: n, into: keyPanels)
        AttentionPanels.gemmTile(m: t, n: n, k: 2 * d, a: queries, lda: 2 * d, panels: keyPanels, c: scores, ldc: n)
        for i in 0..<t {
            let row = scores + i * n
            if holes { for j in 0..<n where keys[j] == 0 { row[j] = -.infinity } }
            Vector.softmax(row, n)
        }
        // V already carries b_v (each kept row's weights sum to 1).
        AttentionPanels.packTile(vh, ldb: 3 * c, transposed: false, k: n, n: d, into: valuePanels)
        AttentionPanels.gemmTile(m: t, n: d, k: n, a: scores, lda: n, panels: valuePanels, c: out, ldc: c)
    }
}
