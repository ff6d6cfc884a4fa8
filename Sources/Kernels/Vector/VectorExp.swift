/// SIMD math on `Float` rows for the attention and normalization kernels.
///
/// Everything here works on `SIMD8<Float>` (two SSE registers, or one AVX
/// register when the compiler targets it) with a scalar tail, never allocates
/// and reads or writes only the `count` elements it is given.
public enum Vector {
    /// `1 / ln 2`.
    @usableFromInline static let log2e: Float = 1.44269504088896341
    /// `ln 2` split in a part exact in few bits and a remainder (Cody–Waite).
    @usableFromInline static let ln2Hi: Float = 0.693359375
    @usableFromInline static let ln2Lo: Float = -2.12194440e-4
    /// Above this, `exp` overflows `Float` (ln(Float.greatestFiniteMagnitude) ≈ 88.7228).
    @usableFromInline static let expHi: Float = 88.3762626647949
    /// Below this, `exp` is under the smallest normal float (ln 2⁻¹²⁶ ≈ −87.3365).
    @usableFromInline static let expLo: Float = -87.3365478515625
    /// 1.5 · 2²³: adding it rounds to the nearest integer, held in the low mantissa bits.
    @usableFromInline static let roundMagic: Float = 12582912

    /// eˣ for eight lanes.
    ///
    /// Range reduction `x = n·ln 2 + r` with `n = round(x / ln 2)`, `|r| ≤ ln 2 / 2`,
    /// then `eʳ ≈ 1 + r + r²·p(r)` with Cephes' degree-5 minimax `p`, and `2ⁿ` built
    /// in the exponent bits. Relative error ≤ 2 ulp (≈ 2.4·10⁻⁷) for x in
    /// [−87.33, 88.37]. Edge cases, per lane:
    /// - `x > 88.376` (and `+∞`) gives `+∞`;
    /// - `x < −87.336` (and `−∞`) gives `0` (results that would be subnormal are flushed);
    /// - NaN gives NaN.
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        // Lane-wise selects rather than `clamped(lowerBound:upperBound:)`, whose generic
        // pointwiseMin/Max the compiler leaves as calls (a third of the softmax's time).
        var clamped = x
        clamped.replace(with: expLo, where: x .< expLo)
        clamped.replace(with: expHi, where: x .> expHi)
        let t = clamped * log2e + roundMagic
        let n = t - roundMagic
        var r = clamped - n * ln2Hi
        r = r - n * ln2Lo
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let er = p * (r * r) + r + 1
        // t's bit pattern is 0x4B40_0000 + n; 2ⁿ has exponent field n + 127.
        let bits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- (0x4B40_0000 - 127)
        let scale = unsafeBitCast(bits &<< 23, to: SIMD8<Float>.self)
        var y = er * scale
        y.replace(with: .infinity, where: x .> expHi)
        y.replace(with: 0, where: x .< expLo)
        y.replace(with: x, where: x .!= x)
        return y
    }

    /// eˣ for one value, with the same polynomial and edge cases as the SIMD form.
    @inlinable
    public static func exp(_ x: Float) -> Float {
        exp(SIMD8<Float>(repeating: x))[0]
    }

    /// `p[j] ← exp(p[j])` for `j < count`.
    @inlinable
    public static func expInPlace(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        var j = 0
        while j + 8 <= count {
            let v = load8(p + j)
            store8(exp(v), p + j)
            j += 8
        }
        if j < count { storeTail(exp(loadTail(p + j, count - j, pad: 0)), p + j, count - j) }
    }

    // MARK: Loads and stores

    /// Eight floats from `p` (no alignment needed).
    @inlinable @inline(__always)
    public static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Writes eight floats to `p` (no alignment needed).
    @inlinable @inline(__always)
    public static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// The first `n` (< 8) floats from `p`, the other lanes set to `pad`.
    @inlinable @inline(__always)
    public static func loadTail(_ p: UnsafePointer<Float>, _ n: Int, pad: Float) -> SIMD8<Float> {
        var v = SIMD8<Float>(repeating: pad)
        for i in 0..<n { v[i] = p[i] }
        return v
    }

    /// Writes the first `n` (< 8) lanes of `v` to `p`.
    @inlinable @inline(__always)
    public static func storeTail(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { p[i] = v[i] }
    }
}
