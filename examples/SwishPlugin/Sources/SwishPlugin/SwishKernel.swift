import Foundation

/// The FastSwish kernels on raw float buffers (`src` and `dst` may alias).
enum SwishKernel {
    /// `dst[i] = src[i] / (1 + e^−src[i])`, eight lanes at a time, scalar tail.
    static func simd8(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        let rawSrc = UnsafeRawPointer(src), rawDst = UnsafeMutableRawPointer(dst)
        var i = 0
        while i + 8 <= n {
            let v = rawSrc.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            let y = v / (1 + exp8(-v))
            rawDst.storeBytes(of: y, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        scalar(src + i, dst + i, n - i)
    }

    /// The plain loop, with the C library's `expf` (the tail of ``simd8(_:_:_:)``).
    static func scalar(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { let v = src[i]; dst[i] = v / (1 + Foundation.exp(-v)) }
    }

    /// `e^x` per lane (Cephes `expf`: `x = k·ln2 + r`, `|r| ≤ ln2/2`, degree-5
    /// polynomial for `e^r`, then `2^k` through the exponent bits); relative
    /// error about 2 ulp on [−87, 88], saturating outside. Plain lane
    /// arithmetic and masks only: `SIMD`'s generic `rounded`, `clamped`,
    /// `pointwiseMin` and conversions are not inlined and cost 20× the scalar loop.
    @inline(__always)
    static func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var x = x
        x.replace(with: -87.3, where: x .< -87.3)
        x.replace(with: 88.3, where: x .> 88.3)
        // Adding 1.5·2^23 rounds k = x·log2(e) to an integer, held in the low mantissa bits of t.
        let magic: Float = 12_582_912
        let t = x * 1.44269504088896341 + magic
        let k = t - magic
        // ln2 split in two so k·ln2 is exact in float.
        var r = x - k * 0.693359375
        r = r - k * -2.12194440e-4
        var p = SIMD8<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let er = p * (r * r) + r + 1
        let kBits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: Int32.self)
        return er * unsafeBitCast((kBits &+ 127) &* 8_388_608, to: SIMD8<Float>.self)  // (k + 127) << 23
    }
}
