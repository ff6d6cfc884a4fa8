import IR

/// A small seeded generator (SplitMix64): the same seed gives the same
/// tensors on every machine, so test failures reproduce.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public enum TestTensors {
    /// Uniform float32 values in `range`.
    public static func uniform(_ shape: [Int], in range: ClosedRange<Float> = -1...1,
                               seed: UInt64 = 42) -> Tensor {
        var g = SeededGenerator(seed: seed)
        let values = (0..<Shapes.count(shape)).map { _ in Float.random(in: range, using: &g) }
        return Tensor(values, shape: shape)
    }

    /// Uniform int64 values in `range`.
    public static func integers(_ shape: [Int], in range: ClosedRange<Int64>, seed: UInt64 = 42) -> Tensor {
        var g = SeededGenerator(seed: seed)
        return Tensor((0..<Shapes.count(shape)).map { _ in Int64.random(in: range, using: &g) }, shape: shape)
    }
}

public enum Closeness {
    /// Max |a - b| over all elements (infinity when shapes or counts differ, or a NaN appears in one only).
    public static func maxAbsoluteDifference(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.shape == b.shape, let x = a.floatValues(), let y = b.floatValues() else { return .infinity }
        var m: Float = 0
        for (p, q) in zip(x, y) {
            if p.isNaN && q.isNaN { continue }
            if p == q { continue }  // equal infinities
            let d = abs(p - q)
            if d.isNaN { return .infinity }
            m = max(m, d)
        }
        return m
    }

    /// True when |a - b| <= atol + rtol * |b| elementwise (NumPy's `allclose`).
    public static func allClose(_ a: Tensor, _ b: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6) -> Bool {
        guard a.shape == b.shape, let x = a.floatValues(), let y = b.floatValues() else { return false }
        for (p, q) in zip(x, y) {
            if p.isNaN || q.isNaN { if p.isNaN != q.isNaN { return false } else { continue } }
            if p == q { continue }
            if abs(p - q) > atol + rtol * abs(q) { return false }
        }
        return true
    }
}
