import Foundation

/// Eight-lane float kernels the built-in plugins share: a polynomial `exp`
/// (Cephes `expf`, about 2 ulp over the clamped range), the logistic sigmoid
/// built on it, and the strided loops that apply them.
enum VectorMath {
    typealias V = SIMD8<Float>

    /// `eˣ` lane by lane, `x` clamped to [−87.3, 88.3] (no overflow to inf, no denormals).
    ///
    /// `eˣ = 2ⁿ · e^r` with `n = round(x · log₂e)`, `r = x − n · ln 2` (ln 2 split in two
    /// parts for precision) and `e^r` a degree-7 polynomial on |r| ≤ ½ ln 2.
    @inline(__always)
    static func exp(_ x: V) -> V {
        let x = x.clamped(lowerBound: V(repeating: -87.3), upperBound: V(repeating: 88.3))
        let n = (x * 1.44269504088896341).rounded(.toNearestOrEven)
        var r = x - n * 0.693359375
        r = r - n * -2.12194440e-4
        let z = r * r
        var p = V(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * z + r + 1
        let bits = (SIMD8<Int32>(n, rounding: .towardZero) &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: V.self)
    }

    /// `σ(x) = 1 / (1 + e⁻ˣ)` lane by lane.
    @inline(__always)
    static func sigmoid(_ x: V) -> V { 1 / (1 + exp(-x)) }

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

    /// `y[i] = a[i] · σ(g[i])` for `n` values (the GLU gate).
    static func gate(_ a: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            store(load(a + i) * sigmoid(load(g + i)), y + i)
            i += 8
        }
        while i < n {
            y[i] = a[i] / (1 + Foundation.exp(-g[i]))
            i += 1
        }
    }

    /// `y[i] = y[i] · σ(y[i])` in place for `n` values (Swish).
    static func swish(_ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            let v = load(y + i)
            store(v * sigmoid(v), y + i)
            i += 8
        }
        while i < n {
            y[i] = y[i] / (1 + Foundation.exp(-y[i]))
            i += 1
        }
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
