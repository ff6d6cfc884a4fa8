import CKernels

/// The workbench's own GEMM for constant weights: `B` is packed once, at
/// build time, into panels of 16 columns (panel `j` holds `k` rows of 16
/// contiguous floats, zero past `n`), and each run computes
///
///     C ← epilogue(A·B)
///
/// as a grid of tiles (rows × panels) spread over the pool's workers. A
/// tile runs K in blocks of ``Tiling/kc``: A's block is copied into micro-panels
/// of ``blockRows(m:)`` rows and a block of C lives in registers for the whole
/// k-block (16×16 with AVX-512 from 9 rows on, 6×16 with AVX2/FMA, a portable loop otherwise). For a
/// few rows each panel is read exactly once, front to back, so the weights
/// stream at memory speed. The epilogue runs on each tile while it is in cache.
///
/// Unlike ``GEMM``'s OpenBLAS tactics nothing is packed per call (OpenBLAS
/// re-packs `B` on every call) and the thread split is ours: one BLAS-free
/// loop, no oversubscription.
public enum PackedGEMM {
    /// Columns per panel.
    public static let panelWidth = 16

    /// Rows of C one register block computes on this CPU for an `m`-row tile: 16 with
    /// AVX-512 (16×16, from 9 rows on), else 6 (AVX2's 6×16 and the portable loop).
    public static func blockRows(m: Int) -> Int { Int(wb_packed_mr(m)) }

    /// The instruction set the packed kernel runs on this CPU ("avx512", "avx2" or "portable"):
    /// what the CPU supports, capped by the environment variable `WORKBENCH_ISA`.
    public static var isa: String { "\(VectorMath.isa)" }

    /// The number of floats of `B` [k × n] once packed.
    public static func packedCount(k: Int, n: Int) -> Int { Int(wb_packed_b_floats(k, n)) }

    /// The packed tensor's shape, `[panels, k, 16]`.
    public static func packedShape(k: Int, n: Int) -> [Int] { [(n + panelWidth - 1) / panelWidth, k, panelWidth] }

    /// Packs `B` [k × n] (row stride `ldb`), or `Bᵀ` [n × k] when `transposed`,
    /// into `packed` (``packedCount(k:n:)`` floats).
    public static func pack(_ b: UnsafePointer<Float>, ldb: Int, transposed: Bool, k: Int, n: Int,
                            into packed: UnsafeMutablePointer<Float>) {
        guard k > 0, n > 0 else { return }
        wb_pack_b(k, n, b, ldb, transposed ? 1 : 0, packed)
    }

    /// Packs a row-major `B` [k × n] (or `Bᵀ` [n × k] when `transposed`) into a new array.
    public static func pack(_ b: [Float], k: Int, n: Int, transposed: Bool = false) -> [Float] {
        var out = [Float](repeating: 0, count: packedCount(k: k, n: n))
        b.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                pack(s, ldb: transposed ? k : n, transposed: transposed, k: k, n: n, into: d)
            }
        }
        return out
    }

    /// How one call splits its work: tiles of ``rows`` rows × ``panels`` panels, K in blocks of ``kc``.
    public struct Tiling: Sendable, Equatable, CustomStringConvertible {
        public var rows: Int
        public var panels: Int
        public var kc: Int

        public init(rows: Int, panels: Int, kc: Int) { (self.rows, self.panels, self.kc) = (rows, panels, kc) }

        /// The tiling for `m × n × k` on `threads` workers: K blocks of 256 (all of K up to 384, or
        /// when one register block holds all the rows, ``blockRows(m:)``, so B is streamed once), tiles of up
        /// to 96 rows × 16 panels (× all panels up to 24), made smaller until there are at least four
        /// tiles per worker: fewer rows first, or fewer panels first when all the rows fit one tile.
        public static func choose(m: Int, n: Int, k: Int, threads: Int) -> Tiling {
            let panelCount = max(1, (n + panelWidth - 1) / panelWidth)
            let kc = (m <= PackedGEMM.blockRows(m: m) || k <= 384) ? max(k, 1) : 256
            // Up to 384 columns a tile spans them all (each block of A is then packed once per row block:
            // 4096×384×1536 on 2 threads 124 → 134 GFLOP/s); wider B goes in 256-column tiles.
            var rows = min(m, 96), panels = panelCount <= 24 ? panelCount : 16
            func tiles() -> Int { ((m + rows - 1) / rows) * ((panelCount + panels - 1) / panels) }
            // Halved row blocks stay whole register blocks (16 rows with AVX-512: 60 rows split as
            // 16+16+16+12, not 18+18+18+6 with 2-row remainders of 16+2).
            let mr = blockRows(m: m)
            // All the rows in one block (m ≤ 96): split the columns first, so each panel of B comes
            // from memory once and serves every row there (split rows, each row block streamed all
            // of B again). With weights cold, as in an engine (`workbench blas --coldWeights`), on
            // 2 threads: 60×256×2048 150-172 → 182-184 GFLOP/s, 60×512×256 147-188 → 191-194;
            // from 240 rows on the two orders measured the same.
            let oneRowBlock = m <= rows
            while threads > 1 && tiles() < 4 * threads {
                if oneRowBlock && panels > 2 { panels = (panels + 1) / 2; continue }
                if rows > 24 { rows = (rows / 2 + mr - 1) / mr * mr } else if panels > 2 { panels = (panels + 1) / 2 } else { break }
            }
            return Tiling(rows: max(rows, 1), panels: max(panels, 1), kc: kc)
        }

        public var description: String { "\(rows)x\(panels * PackedGEMM.panelWidth) kc \(kc)" }
    }

    /// Computes `C ← epilogue(A·B)` for the packed `B` of ``pack(_:ldb:transposed:k:n:into:)``.
    ///
    /// `A` is `m × k` (row stride `lda`), `C` is `m × n` (row stride `ldc`);
    /// `c` must not alias `a` or `packed` (it may alias the residual element for element).
    /// Nothing is allocated per call but A's block scratch, once per thread.
    public static func run(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                           packed: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int,
                           epilogue: GEMM.Epilogue, threads: ThreadPool, tiling: Tiling? = nil) {
        guard m > 0, n > 0 else { return }
        let t = tiling ?? Tiling.choose(m: m, n: n, k: k, threads: threads.threads)
        let panelCount = (n + panelWidth - 1) / panelWidth
        let rowBlocks = (m + t.rows - 1) / t.rows, colBlocks = (panelCount + t.panels - 1) / t.panels
        let tiles = rowBlocks * colBlocks
        // One id for the call's tiles: a worker packs each row block's A once, not once per tile.
        let call = wb_packed_call_id()
        // Tiles are claimed dynamically: a worker the OS delays holds up no other.
        threads.parallelTasks(tiles) { tile, _ in
            let (rb, cb) = (tile / colBlocks, tile % colBlocks)
            let r0 = rb * t.rows, rows = min(t.rows, m - r0)
            let p0 = cb * t.panels, panels = min(t.panels, panelCount - p0)
            let status = wb_sgemm_packed_tile(rows, n, k, a + r0 * lda, lda, packed, p0, panels, t.kc,
                                              c + r0 * ldc, ldc, call)
            // The only failure is the per-thread scratch allocation (a few hundred KB).
            precondition(status == 0, "PackedGEMM: out of memory for the A block")
            let cols = (p0 * panelWidth)..<min(n, (p0 + panels) * panelWidth)
            epilogue.apply(c, ldc: ldc, rows: r0..<(r0 + rows), cols: cols)
        }
    }
}
