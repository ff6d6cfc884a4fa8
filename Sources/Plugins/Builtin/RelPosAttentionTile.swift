import Kernels

/// One (batch, head) tile of ``RelPosAttentionPlugin``: sizes, the buffers
/// all tiles share (read-only but `ctx`, where each tile writes its own
/// columns), and the kernel.
struct RelPosTile: @unchecked Sendable {
    let t: Int, c: Int, d: Int, heads: Int, scale: Float
    /// True when `pos` has one row block per batch item rather than one for all.
    let posPerBatch: Bool
    /// X·Wqkv without bias, [B, T, 3C].
    let qkv: UnsafeMutablePointer<Float>
    /// pos·Wpos, [1 or B, T, C].
    let proj: UnsafeMutablePointer<Float>
    /// 1 for a kept key, 0 for a masked one, [B, T].
    let keep: UnsafeMutablePointer<Float>
    /// `[b_q + u | b_q + v]`, 2C.
    let qBias: UnsafeMutablePointer<Float>
    /// `[b_k | b_v]`, 2C (the tail of `bqkv`).
    let kvBias: UnsafeMutablePointer<Float>
    /// The concatenated heads' context, [B, T, C].
    let ctx: UnsafeMutablePointer<Float>

    /// Scratch floats one tile uses: T×T scores, T×2D queries, T×2D keys.
    static func floats(t: Int, d: Int) -> Int { t * t + 4 * t * d }

    /// Runs `tiles` tiles over the pool's threads (the caller sets OpenBLAS to
    /// one thread); tile `bh` uses scratch slot `bh % slots`, and a slot's
    /// tiles run on one worker in turn.
    func runParallel(tiles: Int, slots: Int, scratch: UnsafeMutablePointer<Float>, threads: ThreadPool) {
        let size = Self.floats(t: t, d: d)
        threads.parallelFor(slots) { slot in
            var bh = slot
            while bh < tiles { run(bh, scratch: scratch + slot * size); bh += slots }
        }
    }

    /// Scores, mask, softmax and context for tile `bh` (batch `bh / H`, head `bh % H`).
    func run(_ bh: Int, scratch: UnsafeMutablePointer<Float>) {
        let (bi, h) = (bh / heads, bh % heads)
        let q = qkv + bi * t * 3 * c + h * d, k = q + c, v = q + 2 * c
        let keys = keep + bi * t
        let out = ctx + bi * t * c + h * d
        // Keys after the last kept one do no work at all.
        var n = t
        while n > 0 && keys[n - 1] == 0 { n -= 1 }
        guard n > 0 else {
            for i in 0..<t { (out + i * c).update(repeating: 0, count: d) }
            return
        }
        let scores = scratch, queries = scratch + t * t, keyRows = queries + 2 * t * d
        let p = proj + (posPerBatch ? bi * t * c : 0) + h * d
        for i in 0..<t {
            let row = q + i * 3 * c, qi = queries + i * 2 * d
            Vector.addScaled(row, qBias + h * d, scale, into: qi, d)
            Vector.addScaled(row, qBias + c + h * d, scale, into: qi + d, d)
        }
        for j in 0..<n {
            let kj = keyRows + j * 2 * d
            Vector.add(k + j * 3 * c, kvBias + h * d, into: kj, d)
            (kj + d).update(from: p + j * c, count: d)
        }
        BLAS.sgemm(transA: false, transB: true, m: t, n: n, k: 2 * d, alpha: 1, a: queries, lda: 2 * d,
                   b: keyRows, ldb: 2 * d, beta: 0, c: scores, ldc: n)
        var holes = false
        for j in 0..<n where keys[j] == 0 { holes = true; break }
        for i in 0..<t {
            let row = scores + i * n
            if holes { for j in 0..<n where keys[j] == 0 { row[j] = -.infinity } }
            Vector.softmax(row, n)
        }
        BLAS.sgemm(transA: false, transB: false, m: t, n: d, k: n, alpha: 1, a: scores, lda: n,
                   b: v, ldb: 3 * c, beta: 0, c: out, ldc: c)
        // Each kept row's weights sum to 1, so A·(V + b_v) = A·V + b_v.
        let vBias = kvBias + c + h * d
        for i in 0..<t { Vector.add(out + i * c, vBias, into: out + i * c, d) }
    }
}
