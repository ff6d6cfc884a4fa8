import Kernels

/// How an attention plugin spreads its work over threads (its tactic's kind).
///
/// OpenBLAS's thread count is process-wide, and its workers spin for a while
/// after each threaded call, so mixing its threads with the context's pool
/// oversubscribes the cores. Each mode therefore uses one of the two at a time:
/// - `serial`: projections and tiles call OpenBLAS with its threads, tiles one after another;
/// - `parallel`: projections use OpenBLAS's threads, tiles run on the pool with OpenBLAS on one thread;
/// - `pool`: OpenBLAS on one thread for the whole layer; the projections are split
///   by rows over the pool (OpenBLAS's own 2-thread split of these shapes loses ~25%),
///   the tiles run on the pool.
enum AttentionThreading {
    case serial, parallel, pool

    /// The mode a tactic named `<prefix>.heads.serial`, `.heads.parallel` or `.pool` selects.
    init?(tactic: String, prefix: String) {
        switch tactic {
        case prefix + ".heads.serial": self = .serial
        case prefix + ".heads.parallel": self = .parallel
        case prefix + ".pool": self = .pool
        default: return nil
        }
    }

    /// The three tactic names for `prefix`, the usual winner first.
    static func tactics(_ prefix: String) -> [String] {
        [prefix + ".heads.parallel", prefix + ".pool", prefix + ".heads.serial"]
    }

    /// Runs `body` with OpenBLAS on one thread when `pool` has several (restored after).
    static func withSingleThreadedBLAS(_ pool: ThreadPool, _ body: () -> Void) {
        let saved = BLAS.threads
        if saved != 1 && pool.threads > 1 { BLAS.threads = 1 }
        defer { if BLAS.threads != saved { BLAS.threads = saved } }
        body()
    }

    /// `C ← A·B` (row-major, no transposes, `C` `m × n`), split by rows of A
    /// over `pool` in `pool` mode, one OpenBLAS call otherwise.
    func gemm(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
              c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool) {
        guard self == .pool, pool.threads > 1, m >= 2 * pool.threads else {
            BLAS.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb,
                       beta: 0, c: c, ldc: ldc)
            return
        }
        pool.parallelChunks(m) { rows in
            BLAS.sgemm(transA: false, transB: false, m: rows.count, n: n, k: k, alpha: 1, a: a + rows.lowerBound * lda, lda: lda,
                       b: b, ldb: ldb, beta: 0, c: c + rows.lowerBound * ldc, ldc: ldc)
        }
    }
}
