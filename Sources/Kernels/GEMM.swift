import CKernels

/// The GEMM kernels layers choose between (their tactics), each followed by
/// an epilogue applied to its own block of `C` while it is still in cache:
///
///     C ← act(α · A·B + bias) + residual
///
/// `A` is `m × k`, `B` is `k × n`, `C` and `residual` are `m × n`, `bias` has
/// `n` values; all row-major with the given row strides.
///
/// Tactics (see ``GEMM/Tactic``): one OpenBLAS call with BLAS's own threads;
/// OpenBLAS on per-thread panels of columns or of rows (one BLAS thread each,
/// see the rule in ``ThreadPool``); and the streaming small-M kernel, which
/// reads `B` in place once instead of packing it (for a few rows, packing
/// `B` costs more than the multiply).
public enum GEMM {
    /// A GEMM kernel. Raw values are the tactic identifiers plans record.
    public enum Tactic: String, Sendable, CaseIterable {
        /// One OpenBLAS call (BLAS threads = the context's), then the epilogue over row chunks.
        case openblas = "gemm.openblas"
        /// Columns split into one panel per thread (multiples of 16), one single-threaded OpenBLAS call each.
        case panelsN = "gemm.openblas.panels.n"
        /// Rows split into one panel per thread, one single-threaded OpenBLAS call each.
        case panelsM = "gemm.openblas.panels.m"
        /// The small-M streaming kernel (AVX2/FMA when the CPU has it) on column strips per thread.
        /// Defined for up to ``GEMM/streamRowLimit`` rows: a profile whose opt shape chose it
        /// runs larger inputs as ``panelsN`` (the same column split).
        case stream = "gemm.stream"

        /// The tactics worth timing for `m` rows: the streaming kernel only for small `m`.
        public static func candidates(rows m: Int) -> [Tactic] {
            m <= streamRowLimit ? [.openblas, .panelsN, .panelsM, .stream] : [.openblas, .panelsN, .panelsM]
        }
    }

    /// Rows up to which ``Tactic/stream`` is offered (beyond it, `B` is
    /// re-read from cache once per 6 rows and packing GEMMs win).
    public static let streamRowLimit = 64

    /// The activations the epilogue applies (others are applied by the caller).
    public enum Activation: Int32, Sendable {
        /// Identity.
        case none = 0
        /// `max(x, 0)`.
        case relu = 1
        /// `x · σ(x)`, with a vectorized exp (relative error about 2e-7).
        case swish = 2
        /// `σ(x) = 1 / (1 + e⁻ˣ)`.
        case sigmoid = 3
        /// `½x(1 + erf(x/√2))`, with a rational erf (absolute error about 1e-7).
        case gelu = 4
        /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
        case geluTanh = 5
    }

    /// What follows the product: `act(α·C + bias) + residual`.
    public struct Epilogue {
        /// The scale of the product, applied first.
        public var alpha: Float
        /// `n` values added to every row, or nil.
        public var bias: UnsafePointer<Float>?
        public var activation: Activation
        /// `m × n` values (row stride ``residualStride``) added last, or nil.
        public var residual: UnsafePointer<Float>?
        /// Row stride of ``residual``.
        public var residualStride: Int

        /// An epilogue; the defaults change nothing.
        public init(alpha: Float = 1, bias: UnsafePointer<Float>? = nil, activation: Activation = .none,
                    residual: UnsafePointer<Float>? = nil, residualStride: Int = 0) {
            self.alpha = alpha
            self.bias = bias
            self.activation = activation
            self.residual = residual
            self.residualStride = residualStride
        }

        /// True when the epilogue changes nothing.
        public var isIdentity: Bool { alpha == 1 && bias == nil && activation == .none && residual == nil }

        /// Applies the epilogue to rows `rows` and columns `cols` of `c` (row stride `ldc`).
        public func apply(_ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>, cols: Range<Int>) {
            guard !isIdentity, !rows.isEmpty, !cols.isEmpty else { return }
            wb_epilogue(rows.count, cols.count, c + rows.lowerBound * ldc + cols.lowerBound, ldc, alpha,
                        bias.map { $0 + cols.lowerBound }, activation.rawValue,
                        residual.map { $0 + rows.lowerBound * residualStride + cols.lowerBound }, residualStride)
        }
    }

    /// Computes `C ← epilogue(A·B)` with `tactic`, using `threads`.
    ///
    /// Memory: the caller owns all buffers; `c` must not alias `a` or `b`
    /// (it may alias `residual` element for element). Nothing is allocated.
    /// - Precondition: sizes fit ``BLAS/maxDimension`` (callers check shapes from user files).
    public static func run(_ tactic: Tactic, m: Int, n: Int, k: Int,
                           a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                           c: UnsafeMutablePointer<Float>, ldc: Int, epilogue: Epilogue, threads: ThreadPool) {
        guard m > 0, n > 0 else { return }
        switch tactic {
        case .openblas:
            BLAS.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
                       b: b, ldb: ldb, beta: 0, c: c, ldc: ldc)
            if !epilogue.isIdentity {
                threads.parallelChunks(m) { rows in epilogue.apply(c, ldc: ldc, rows: rows, cols: 0..<n) }
            }
        case .panelsM:
            threads.parallelChunks(m) { rows in
                BLAS.sgemm(transA: false, transB: false, m: rows.count, n: n, k: k, alpha: 1,
                           a: a + rows.lowerBound * lda, lda: lda, b: b, ldb: ldb, beta: 0,
                           c: c + rows.lowerBound * ldc, ldc: ldc)
                epilogue.apply(c, ldc: ldc, rows: rows, cols: 0..<n)
            }
        case .panelsN, .stream:
            let streaming = tactic == .stream && m <= streamRowLimit
            let strips = (n + 15) / 16
            threads.parallelChunks(strips) { range in
                let cols = (range.lowerBound * 16)..<min(n, range.upperBound * 16)
                if streaming {
                    wb_sgemm_stream(m, cols.count, k, a, lda, b + cols.lowerBound, ldb, c + cols.lowerBound, ldc)
                } else {
                    BLAS.sgemm(transA: false, transB: false, m: m, n: cols.count, k: k, alpha: 1, a: a, lda: lda,
                               b: b + cols.lowerBound, ldb: ldb, beta: 0, c: c + cols.lowerBound, ldc: ldc)
                }
                epilogue.apply(c, ldc: ldc, rows: 0..<m, cols: cols)
            }
        }
    }
}

/// Vectorized activations over contiguous floats (AVX2 when the CPU has it).
public enum VectorMath {
    /// `y = x · σ(x)` for `n` values (`x` may equal `y`).
    public static func swish(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        wb_swish(n, x, y)
    }

    /// `y = 1 / (1 + e⁻ˣ)` for `n` values (`x` may equal `y`).
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        wb_sigmoid(n, x, y)
    }

    /// `y = ½x(1 + erf(x/√2))` for `n` values (`x` may equal `y`); AVX2 uses a rational erf.
    public static func gelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        wb_gelu(n, x, y)
    }

    /// `y = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))` for `n` values (`x` may equal `y`).
    public static func geluTanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        wb_gelu_tanh(n, x, y)
    }

    /// `y = a · σ(g)` for `n` values (the GLU gate); `y` may equal `g` but not `a`.
    public static func gate(_ a: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        wb_sigmoid(n, g, y)
        for i in 0..<n { y[i] *= a[i] }
    }

    /// True when the AVX2/FMA code paths run on this CPU.
    public static var usesAVX2: Bool { wb_cpu_has_avx2_fma() != 0 }

    /// Forces the portable code paths (`true`) or restores run-time dispatch; for tests.
    public static func forcePortable(_ portable: Bool) { capISA(portable ? .portable : nil) }

    /// The instruction sets the kernels dispatch on, lowest first.
    public enum ISA: Int32, CaseIterable, Sendable {
        case portable = 0, avx2 = 1, avx512 = 2
    }

    /// The instruction set the kernels use now (the CPU's best, capped by `WORKBENCH_ISA` and ``capISA(_:)``).
    public static var isa: ISA { ISA(rawValue: wb_cpu_isa()) ?? .portable }

    /// Caps the instruction set the kernels use (`nil` removes the cap); for tests that run every code path
    /// the CPU has.
    public static func capISA(_ isa: ISA?) { wb_cpu_cap_isa(isa?.rawValue ?? -1) }
}
