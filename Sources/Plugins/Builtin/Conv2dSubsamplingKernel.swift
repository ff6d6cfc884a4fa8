import Kernels

/// The loops of ``Conv2dSubsamplingPlugin`` on one call's buffers (see the
/// plugin for the maths and the workspace layout in ``Geometry``).
struct SubsamplingKernel: @unchecked Sendable {
    let g: Geometry
    let x, w1, b1, w2, b2: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let ws: UnsafeMutablePointer<Float>

    init(g: Geometry, x: UnsafePointer<Float>, w1: UnsafePointer<Float>, b1: UnsafePointer<Float>,
         w2: UnsafePointer<Float>, b2: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, ws: UnsafeMutablePointer<Float>) {
        (self.g, self.x, self.w1, self.b1, self.w2, self.b2, self.y, self.ws) = (g, x, w1, b1, w2, b2, y, ws)
    }

    var w1t: UnsafeMutablePointer<Float> { ws + g.w1Offset }
    var w2t: UnsafeMutablePointer<Float> { ws + g.w2Offset }
    var h: UnsafeMutablePointer<Float> { ws + g.hOffset }
    var col: UnsafeMutablePointer<Float> { ws + g.colOffset }
    var z: UnsafeMutablePointer<Float> { ws + g.zOffset }

    /// Reorders the weights (W1 to [9, C], W2 to [C, (kh, kw, c')]) and runs the first convolution.
    func prepare(_ threads: ThreadPool) {
        let c = g.c
        for ch in 0..<c { for tap in 0..<9 { w1t[tap * c + ch] = w1[ch * 9 + tap] } }
        threads.parallelChunks(c) { outs in
            for co in outs {
                let src = w2 + co * c * 9, dst = w2t + co * g.k
                for ci in 0..<c { for tap in 0..<9 { dst[tap * c + ci] = src[ci * 9 + tap] } }
            }
        }
        threads.parallelChunks(g.b * g.t1) { rows in for r in rows { conv1Row(r) } }
    }

    /// H[b, i, j, :] for every j of row r = (b, i): nine taps broadcast over the channels.
    private func conv1Row(_ r: Int) {
        let (c, bi, i) = (g.c, r / g.t1, r % g.t1)
        let xr = x + (bi * g.t + 2 * i) * g.f
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 9) { v in
            for j in 0..<g.f1 {
                let out = h + (r * g.f1 + j) * c
                for kh in 0..<3 { for kw in 0..<3 { v[kh * 3 + kw] = xr[kh * g.f + 2 * j + kw] } }
                for ch in 0..<c { out[ch] = b1[ch] }
                for tap in 0..<9 {
                    let s = v[tap], wr = w1t + tap * c
                    for ch in 0..<c { out[ch] += s * wr[ch] }
                }
                for ch in 0..<c { out[ch] = Swift.max(out[ch], 0) }
            }
        }
    }

    /// The im2col rows of output frame r = (b, t), at row `slot` of the block: F'' rows of 9·C values, (kh, kw, c') order.
    private func im2colFrame(_ r: Int, slot: Int) {
        let (c, bi, t) = (g.c, r / g.t2, r % g.t2)
        for f in 0..<g.f2 {
            let dst = col + (slot * g.f2 + f) * g.k
            for kh in 0..<3 {
                let src = h + ((bi * g.t1 + 2 * t + kh) * g.f1 + 2 * f) * c
                (dst + kh * 3 * c).update(from: src, count: 3 * c)
            }
        }
    }

    /// Y[b, t, c·F'' + f] = relu(Z[(slot, f), c] + b2[c]) for frame r = (b, t) at block row `slot`.
    private func storeFrame(_ r: Int, slot: Int) {
        let (c, f2) = (g.c, g.f2)
        let zr = z + slot * f2 * c, yr = y + r * c * f2
        for ch in 0..<c {
            let bias = b2[ch], out = yr + ch * f2
            for f in 0..<f2 { out[f] = Swift.max(zr[f * c + ch] + bias, 0) }
        }
    }

    /// Z[slots, C] = col[slots, 9C] · W2ᵀ for the frames at block rows `slots`.
    private func gemm(_ slots: Range<Int>) {
        let (row, count) = (slots.lowerBound * g.f2, slots.count * g.f2)
        BLAS.sgemm(transA: false, transB: true, m: count, n: g.c, k: g.k, alpha: 1, a: col + row * g.k, lda: g.k,
                   b: w2t, ldb: g.k, beta: 0, c: z + row * g.c, ldc: g.c)
    }

    /// The frame blocks: `(first frame, frame count)`.
    private var blocks: StrideTo<Int> { stride(from: 0, to: g.b * g.t2, by: g.blockFrames) }

    /// Tactic `subsampling.gemm`: per block, im2col over threads, one BLAS call with BLAS's threads, the stores over threads.
    func batched(_ threads: ThreadPool) {
        for first in blocks {
            let n = Swift.min(g.blockFrames, g.b * g.t2 - first)
            threads.parallelChunks(n) { slots in for s in slots { im2colFrame(first + s, slot: s) } }
            gemm(0..<n)
            threads.parallelChunks(n) { slots in for s in slots { storeFrame(first + s, slot: s) } }
        }
    }

    /// Tactic `subsampling.panels`: per block, frames split over threads, each doing its own im2col, GEMM and store.
    func panels(_ threads: ThreadPool) {
        for first in blocks {
            let n = Swift.min(g.blockFrames, g.b * g.t2 - first)
            threads.parallelChunks(n) { slots in
                guard !slots.isEmpty else { return }
                for s in slots { im2colFrame(first + s, slot: s) }
                gemm(slots)
                for s in slots { storeFrame(first + s, slot: s) }
            }
        }
    }
}
