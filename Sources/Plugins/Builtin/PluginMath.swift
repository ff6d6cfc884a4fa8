/// Float kernels the built-in plugins share, written so the compiler
/// vectorizes them: a polynomial `exp` (Cephes `expf`, about 2 ulp over the
/// clamped range) with no calls and no branches, the logistic gate and Swish
/// loops built on it, and an eight-lane multiply-add.
///
/// (The generic `SIMD8` rounding, clamping and conversion functions are not
/// specialized well and run several times slower than this scalar form, which
/// LLVM turns into vector code with selects.)
enum PluginMath {
    typealias V = SIMD8<Float>

    /// `eˣ`, `x` clamped to [−87.3, 88.3] (no overflow to inf, no denormals).
    ///
    /// `eˣ = 2ⁿ · e^r` with `n = round(x · log₂e)` (the 1.5·2²³ trick: adding it
    /// rounds to an integer held in the low mantissa bits), `r = x − n · ln 2`
    /// (ln 2 split in two parts for precision) and `e^r` a degree-7 polynomial on
    /// |r| ≤ ½ ln 2; `2ⁿ` is built from its exponent bits.
    @inline(__always)
    static func exp(_ v: Float) -> Float {
        let x = Swift.min(Swift.max(v, -87.3), 88.3)
        let t = x * 1.44269504088896341 + 12582912.0
        let n = t - 12582912.0
        var r = x - n * 0.693359375
        r = r - n * -2.12194440e-4
        let z = r * r
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * z + r + 1
        let bits = (t.bitPattern &- 0x4B40_0000 &+ 127) &<< 23
        return p * Float(bitPattern: bits)
    }

    /// `σ(x) = 1 / (1 + e⁻ˣ)`.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// `y[i] = a[i] · σ(g[i])` for `n` values (the GLU gate).
    static func gate(_ a: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = a[i] / (1 + exp(-g[i])) }
    }

    /// `y[i] = y[i] · σ(y[i])` in place for `n` values (Swish).
    static func swish(_ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { let v = y[i]; y[i] = v / (1 + exp(-v)) }
    }

    /// Loads eight floats from `p` (no alignment needed).
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    /// Stores eight floats at `p` (no alignment needed).
    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// `y[i] += w[i] · x[i]` for `n` values.
    @inline(__always)
    static func multiplyAdd(_ y: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            store(load(y + i) + load(w + i) * load(x + i), y + i)
            i += 8
        }
        while i < n {
            y[i] += w[i] * x[i]
            i += 1
        }
    }

}
