import CKernels
import COpenBLAS

/// OpenBLAS, through its CBLAS interface: single-precision GEMM and the
/// library's threading and build information.
///
/// All matrices are row-major (C order), as in the rest of the workbench.
public enum BLAS {
    /// Single-precision general matrix multiply, row-major:
    ///
    ///     C ← α · op(A) · op(B) + β · C
    ///
    /// where `op(X)` is `X` or `Xᵀ`, `op(A)` is `m × k`, `op(B)` is `k × n` and
    /// `C` is `m × n`. `lda`, `ldb` and `ldc` are the row strides (in elements)
    /// of `A`, `B` and `C` as stored: `A` is stored `m × k` (`k × m` when
    /// `transA`), so `lda ≥ k` (`lda ≥ m` when `transA`); likewise for `B`,
    /// and `ldc ≥ n`.
    ///
    /// Memory: the caller owns all three buffers; they are only read
    /// (`a`, `b`) or written (`c`) during the call, never kept. `c` must not
    /// alias `a` or `b`. When `beta` is 0, `c` is write-only (its old contents,
    /// even NaN, are ignored).
    ///
    /// Empty products are handled here rather than in OpenBLAS: with `m` or
    /// `n` equal to 0 nothing happens; with `k` equal to 0, `C ← β · C`.
    ///
    /// - Precondition: all sizes and leading dimensions are non-negative and
    ///   fit in a 32-bit `blasint` (callers check shapes taken from user files).
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                             alpha: Float, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in 0..<m {
                let row = c + i * ldc
                for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
            }
            return
        }
        // A multithreaded call needs every core: idle pool workers park (see ThreadPool).
        if openblas_get_num_threads() > 1 { wb_pool_park() }
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// The largest size or leading dimension ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``
    /// accepts (OpenBLAS's `blasint`).
    public static let maxDimension = Int(blasint.max)

    /// The number of threads OpenBLAS uses for one call (process-wide).
    ///
    /// Setting it calls `openblas_set_num_threads`; values below 1 are raised to 1.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(clamping: Swift.max(1, newValue))) }
    }

    /// Lowers OpenBLAS to one thread for a parallel loop of ours and returns
    /// the count to restore with ``leaveParallelRegion(_:)`` (see ``ThreadPool``).
    @usableFromInline
    static func enterParallelRegion() -> Int {
        let old = Int(openblas_get_num_threads())
        if old != 1 { openblas_set_num_threads(1) }
        return old
    }

    /// Restores the thread count ``enterParallelRegion()`` returned.
    @usableFromInline
    static func leaveParallelRegion(_ old: Int) {
        if old != 1 { openblas_set_num_threads(Int32(clamping: old)) }
    }

    /// The CPU core OpenBLAS selected its kernels for (`Haswell`, `SkylakeX`, ...).
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// OpenBLAS's build configuration (version, threading model, max threads).
    public static var config: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p).trimmingSpaces()
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\n" { s.removeLast() }
        return String(s)
    }
}
