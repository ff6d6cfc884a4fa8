import CKernels

extension Vector {
    /// The largest of `p[0..<count]` (`−∞` when `count` is 0; NaN elements are skipped,
    /// so an all-NaN row gives `−∞`).
    @inlinable
    public static func max(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var m = SIMD8<Float>(repeating: -.infinity)
        var j = 0
        // Selects rather than pointwiseMax, which the compiler leaves as a generic call;
        // a NaN lane compares false and is skipped.
        while j + 8 <= count { let v = load8(p + j); m.replace(with: v, where: v .> m); j += 8 }
        if j < count { let v = loadTail(p + j, count - j, pad: -.infinity); m.replace(with: v, where: v .> m) }
        return m.max()
    }

    /// Σ `p[0..<count]`, in eight lanes (then summed across lanes).
    @inlinable
    public static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var s = SIMD8<Float>()
        var j = 0
        while j + 8 <= count { s += load8(p + j); j += 8 }
        if j < count { s += loadTail(p + j, count - j, pad: 0) }
        return s.sum()
    }

    /// Σ `a[j]·b[j]` over `j < count`.
    @inlinable
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var s = SIMD8<Float>()
        var j = 0
        while j + 8 <= count { s += load8(a + j) * load8(b + j); j += 8 }
        if j < count { s += loadTail(a + j, count - j, pad: 0) * loadTail(b + j, count - j, pad: 0) }
        return s.sum()
    }

    /// Mean and (population) variance of `p[0..<count]`, two passes over the row:
    ///
    ///     μ = Σ x / n,   σ² = Σ (x − μ)² / n
    ///
    /// The centred second pass keeps σ² accurate when |μ| ≫ σ. `count` must be positive.
    @inlinable
    public static func meanVariance(_ p: UnsafePointer<Float>, _ count: Int) -> (mean: Float, variance: Float) {
        let n = Float(count)
        let mean = sum(p, count) / n
        let m = SIMD8<Float>(repeating: mean)
        var s = SIMD8<Float>()
        var j = 0
        while j + 8 <= count { let d = load8(p + j) - m; s += d * d; j += 8 }
        if j < count { let d = loadTail(p + j, count - j, pad: mean) - m; s += d * d }
        return (mean, s.sum() / n)
    }

    /// `y[j] ← a[j] + b[j]` for `j < count` (`y` may be `a` or `b`).
    @inlinable
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ count: Int) {
        var j = 0
        while j + 8 <= count { store8(load8(a + j) + load8(b + j), y + j); j += 8 }
        while j < count { y[j] = a[j] + b[j]; j += 1 }
    }

    /// `y[j] ← (a[j] + b[j]) · s` for `j < count` (`y` may be `a` or `b`).
    @inlinable
    public static func addScaled(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ s: Float,
                                 into y: UnsafeMutablePointer<Float>, _ count: Int) {
        var j = 0
        while j + 8 <= count { store8((load8(a + j) + load8(b + j)) * s, y + j); j += 8 }
        while j < count { y[j] = (a[j] + b[j]) * s; j += 1 }
    }

    /// `p[j] ← p[j] · s` for `j < count`.
    @inlinable
    public static func scale(_ p: UnsafeMutablePointer<Float>, by s: Float, _ count: Int) {
        var j = 0
        while j + 8 <= count { store8(load8(p + j) * s, p + j); j += 8 }
        while j < count { p[j] *= s; j += 1 }
    }

    /// Adds the `columns`-long `bias` to each of `rows` rows of `p` (row stride
    /// `stride`), rows split over `threads` when there are enough of them to pay
    /// for the dispatch (`parallelFloats` elements or more).
    @inlinable
    public static func addBias(_ p: UnsafeMutablePointer<Float>, rows: Int, columns: Int, stride: Int,
                               bias: UnsafePointer<Float>, threads: ThreadPool, parallelFloats: Int = 1 << 16) {
        let body = { (range: Range<Int>) in
            for r in range { let row = p + r * stride; add(row, bias, into: row, columns) }
        }
        if rows * columns >= parallelFloats { threads.parallelChunks(rows, body) } else { body(0..<rows) }
    }

    /// Softmax of one contiguous row, in place:
    ///
    ///     y_j = exp(x_j − m) / Σ_k exp(x_k − m),   m = max_k x_k
    ///
    /// `−∞` entries (masked keys) give 0. A row whose entries are all `−∞`
    /// gives NaN, as `Softmax` does in ONNX (0/0); so does a row holding `+∞`
    /// or NaN. Nothing happens when `count` is 0.
    /// (AVX2 in C, with the GEMM epilogue's exp; the SIMD8 Swift version it replaced compiled to
    /// SSE without FMA and took 10% of BERT's time at 16×256.)
    public static func softmax(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        wb_softmax(count, p)
    }

    /// Softmax of `x·scale + mask` (`mask`: `count` floats, or nil) left undivided: `p`
    /// becomes the exponentials and the result is their sum (the divisor); a row with NaN,
    /// +∞ or no finite value gets the exact ``softmax(_:_:)`` and returns 1.
    public static func softmaxExponentials(_ p: UnsafeMutablePointer<Float>, _ count: Int, scale: Float,
                                           mask: UnsafePointer<Float>?) -> Float {
        wb_softmax_exp(count, p, scale, mask)
    }
}
