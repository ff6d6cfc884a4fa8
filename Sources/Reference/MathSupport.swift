import IR

/// The element types the math kernels (MatMul, Gemm, reductions, CumSum,
/// softmax, normalization) compute in: float32, float64, int32 and int64.
///
/// Integer arithmetic wraps on overflow, as NumPy's does, so no input can trap.
protocol MathScalar: Comparable {
    static var mathZero: Self { get }
    static var mathOne: Self { get }
    /// The identity of `max` (−∞, or the smallest integer).
    static var mathLowest: Self { get }
    /// The identity of `min` (+∞, or the largest integer).
    static var mathHighest: Self { get }
    static func mathAdd(_ a: Self, _ b: Self) -> Self
    static func mathMul(_ a: Self, _ b: Self) -> Self
    /// `alpha · x + beta · c`, in the type's own arithmetic (integers: exact
    /// when both scales are 1, else through Double, truncated).
    static func mathAffine(_ alpha: Float, _ x: Self, _ beta: Float, _ c: Self) -> Self
    /// `x / count` (the mean of a sum; integers truncate toward zero).
    static func mathDivide(_ x: Self, count: Int) -> Self
    /// True for NaN (never for integers): max and min propagate it.
    var mathIsNaN: Bool { get }
    /// The typed elements of `data`, or nil when its type differs.
    static func mathElements(_ data: TensorData) -> [Self]?
}

extension Float: MathScalar {
    static var mathZero: Float { 0 }
    static var mathLowest: Float { -.infinity }
    static var mathHighest: Float { .infinity }
    static var mathOne: Float { 1 }
    @inline(__always) static func mathAdd(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func mathMul(_ a: Float, _ b: Float) -> Float { a * b }
    static func mathAffine(_ alpha: Float, _ x: Float, _ beta: Float, _ c: Float) -> Float { alpha * x + beta * c }
    static func mathDivide(_ x: Float, count: Int) -> Float { x / Float(count) }
    var mathIsNaN: Bool { isNaN }
    static func mathElements(_ data: TensorData) -> [Float]? { if case .float32(let a) = data { return a } else { return nil } }
}

extension Double: MathScalar {
    static var mathZero: Double { 0 }
    static var mathLowest: Double { -.infinity }
    static var mathHighest: Double { .infinity }
    static var mathOne: Double { 1 }
    @inline(__always) static func mathAdd(_ a: Double, _ b: Double) -> Double { a + b }
    @inline(__always) static func mathMul(_ a: Double, _ b: Double) -> Double { a * b }
    static func mathAffine(_ alpha: Float, _ x: Double, _ beta: Float, _ c: Double) -> Double {
        Double(alpha) * x + Double(beta) * c
    }
    static func mathDivide(_ x: Double, count: Int) -> Double { x / Double(count) }
    var mathIsNaN: Bool { isNaN }
    static func mathElements(_ data: TensorData) -> [Double]? { if case .float64(let a) = data { return a } else { return nil } }
}

extension Int32: MathScalar {
    static var mathZero: Int32 { 0 }
    static var mathLowest: Int32 { .min }
    static var mathHighest: Int32 { .max }
    static var mathOne: Int32 { 1 }
    @inline(__always) static func mathAdd(_ a: Int32, _ b: Int32) -> Int32 { a &+ b }
    @inline(__always) static func mathMul(_ a: Int32, _ b: Int32) -> Int32 { a &* b }
    static func mathAffine(_ alpha: Float, _ x: Int32, _ beta: Float, _ c: Int32) -> Int32 {
        if alpha == 1 && beta == 1 { return x &+ c }
        return Int32(clamping: MathConvert.truncate(Double(alpha) * Double(x) + Double(beta) * Double(c)))
    }
    static func mathDivide(_ x: Int32, count: Int) -> Int32 { count == 0 ? 0 : Int32(truncatingIfNeeded: Int(x) / count) }
    var mathIsNaN: Bool { false }
    static func mathElements(_ data: TensorData) -> [Int32]? { if case .int32(let a) = data { return a } else { return nil } }
}

extension Int64: MathScalar {
    static var mathZero: Int64 { 0 }
    static var mathLowest: Int64 { .min }
    static var mathHighest: Int64 { .max }
    static var mathOne: Int64 { 1 }
    @inline(__always) static func mathAdd(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    @inline(__always) static func mathMul(_ a: Int64, _ b: Int64) -> Int64 { a &* b }
    static func mathAffine(_ alpha: Float, _ x: Int64, _ beta: Float, _ c: Int64) -> Int64 {
        if alpha == 1 && beta == 1 { return x &+ c }
        return Int64(clamping: MathConvert.truncate(Double(alpha) * Double(x) + Double(beta) * Double(c)))
    }
    static func mathDivide(_ x: Int64, count: Int) -> Int64 { count == 0 ? 0 : x / Int64(count) }
    var mathIsNaN: Bool { false }
    static func mathElements(_ data: TensorData) -> [Int64]? { if case .int64(let a) = data { return a } else { return nil } }
}

enum MathConvert {
    /// `d` truncated toward zero and clamped to `Int`'s range (NaN gives 0).
    static func truncate(_ d: Double) -> Int {
        guard d.isFinite else { return d.isNaN ? 0 : (d > 0 ? .max : .min) }
        return Int(max(min(d, 9.2e18), -9.2e18))
    }
}

/// Shape helpers shared by the math kernels.
enum MathShape {
    /// Normalizes `axis` against `rank` or throws naming the node and attribute.
    static func axis(_ axis: Int, rank: Int, _ ctx: NodeContext, what: String = "axis") throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < rank else {
            throw ctx.fail("\(what) \(axis) is out of range for rank \(rank)")
        }
        return a
    }

    /// For every element of `target` (row-major), the linear index of the
    /// element of `source` it reads under NumPy broadcasting (`source` is
    /// right-aligned; each of its dims equals the target's or is 1).
    /// Returns nil when `source` does not broadcast to `target`.
    static func broadcastIndices(_ source: [Int], to target: [Int]) -> [Int]? {
        guard source.count <= target.count else { return nil }
        let lead = target.count - source.count
        let sourceStrides = Shapes.strides(source)
        var steps = [Int](repeating: 0, count: target.count)
        for d in 0..<source.count {
            let s = source[d], t = target[lead + d]
            if s == t { steps[lead + d] = s == 1 ? 0 : sourceStrides[d] }
            else if s == 1 { steps[lead + d] = 0 }
            else { return nil }
        }
        let total = Shapes.count(target)
        var result = [Int](repeating: 0, count: total)
        guard total > 0 else { return result }
        var index = [Int](repeating: 0, count: target.count)
        var offset = 0
        for i in 0..<total {
            result[i] = offset
            var d = target.count - 1
            while d >= 0 {
                index[d] += 1
                offset += steps[d]
                if index[d] < target[d] { break }
                offset -= steps[d] * target[d]
                index[d] = 0
                d -= 1
            }
        }
        return result
    }

    /// Product of `shape[range]` (1 when empty).
    static func product(_ shape: [Int], _ range: Range<Int>) -> Int {
        var p = 1
        for d in range { p *= shape[d] }
        return p
    }
}
