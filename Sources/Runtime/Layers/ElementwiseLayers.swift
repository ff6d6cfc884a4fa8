import Foundation
import IR
import Kernels
import Plugins

/// How elementwise layers split work: contiguous chunks over the context's
/// threads only when there are at least ``grain`` elements per thread
/// (below that, dispatch costs more than it saves). Loops are plain
/// stride-1 loops over `UnsafeMutablePointer<Float>` that the compiler vectorizes.
enum Elementwise {
    static let grain = 32_768

    /// Runs `body` over `0..<n`, split over `threads` when `n` is large.
    @inline(__always)
    static func chunks(_ n: Int, _ threads: ThreadPool, _ body: (Range<Int>) -> Void) {
        guard n > 0 else { return }
        let workers = min(threads.threads, n / grain)
        if workers <= 1 { body(0..<n); return }
        ThreadPool(threads: workers).parallelChunks(n, body)
    }
}

/// A float binary function, as a type so loops specialize on it.
protocol BinaryFunction { static func apply(_ a: Float, _ b: Float) -> Float }
enum AddFn: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
enum SubFn: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
enum MulFn: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
enum DivFn: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }
enum PowFn: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { powf(a, b) } }
/// `a^2` when the exponent is the constant 2 (LayerNorm's variance).
enum SquareFn: BinaryFunction { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * a } }

/// Add, Sub, Mul, Div and Pow on float32 with NumPy broadcasting.
///
/// Fast paths: equal shapes (one flat loop), a scalar operand, and rows of the
/// last axis with per-operand strides of 0 or 1 (a bias over the last axis);
/// other broadcasts walk the output row by row.
public final class BinaryLayer: StandardLayer {
    public static let name = "Binary"
    public static let version = 1
    public static let domain = engineDomain
    public static let ops: Set<Op> = [.add, .sub, .mul, .div, .pow]

    public let standard: StandardOp
    public var allowsInPlace: Bool { true }

    public init(attributes: [String: Attribute]) throws {
        standard = try StandardOp(attributes: attributes, plugin: Self.name)
        guard Self.ops.contains(standard.op) else {
            throw PluginError.invalidAttribute(plugin: Self.name, attribute: "__op", reason: "\(standard.op) is not binary")
        }
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { ["eltwise.broadcast"] }

    public func enqueue(_ call: PluginCall) throws {
        let a = try call.input(0, of: Self.name), b = try call.input(1, of: Self.name)
        let y = call.outputs[0]
        switch standard.op {
        case .add: Self.run(AddFn.self, a, b, y, threads: call.threads)
        case .sub: Self.run(SubFn.self, a, b, y, threads: call.threads)
        case .mul: Self.run(MulFn.self, a, b, y, threads: call.threads)
        case .div: Self.run(DivFn.self, a, b, y, threads: call.threads)
        default:
            if b.count == 1, b.floats[0] == 2 {
                Self.run(SquareFn.self, a, b, y, threads: call.threads)
            } else {
                Self.run(PowFn.self, a, b, y, threads: call.threads)
            }
        }
    }

    static func run<F: BinaryFunction>(_: F.Type, _ a: TensorBuffer, _ b: TensorBuffer, _ y: TensorBuffer,
                                       threads: ThreadPool) {
        let pa = a.floats, pb = b.floats, py = y.floats
        let n = y.count
        if a.count == n && b.count == n {
            Elementwise.chunks(n, threads) { r in for i in r { py[i] = F.apply(pa[i], pb[i]) } }
            return
        }
        if b.count == 1 && a.count == n {
            let s = pb[0]
            Elementwise.chunks(n, threads) { r in for i in r { py[i] = F.apply(pa[i], s) } }
            return
        }
        if a.count == 1 && b.count == n {
            let s = pa[0]
            Elementwise.chunks(n, threads) { r in for i in r { py[i] = F.apply(s, pb[i]) } }
            return
        }
        let rank = y.shape.count
        guard rank > 0, n > 0 else { return }
        let sa = broadcastStrides(a.shape, rank: rank, out: y.shape)
        let sb = broadcastStrides(b.shape, rank: rank, out: y.shape)
        let inner = y.shape[rank - 1]
        guard inner > 0 else { return }
        let rows = n / inner
        let grain = max(1, Elementwise.grain / inner)
        let workers = threads.threads > 1 && rows > grain ? threads : ThreadPool(threads: 1)
        workers.parallelChunks(rows) { range in
            broadcastRows(F.self, pa, pb, py, shape: y.shape, sa: sa, sb: sb, rows: range)
        }
    }

    /// Output rows `rows` (of the last axis) of a broadcast binary op.
    static func broadcastRows<F: BinaryFunction>(_: F.Type, _ pa: UnsafeMutablePointer<Float>,
                                                 _ pb: UnsafeMutablePointer<Float>, _ py: UnsafeMutablePointer<Float>,
                                                 shape: [Int], sa: [Int], sb: [Int], rows: Range<Int>) {
        let rank = shape.count
        let inner = shape[rank - 1]
        let ia = sa[rank - 1], ib = sb[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var offA = 0, offB = 0
        var rest = rows.lowerBound
        for d in stride(from: rank - 2, through: 0, by: -1) {
            index[d] = rest % shape[d]
            rest /= shape[d]
            offA += index[d] * sa[d]
            offB += index[d] * sb[d]
        }
        for row in rows {
            let out = py + row * inner
            if ia == 1 && ib == 1 {
                for j in 0..<inner { out[j] = F.apply(pa[offA + j], pb[offB + j]) }
            } else if ia == 1 {
                let s = pb[offB]
                for j in 0..<inner { out[j] = F.apply(pa[offA + j], s) }
            } else if ib == 1 {
                let s = pa[offA]
                for j in 0..<inner { out[j] = F.apply(s, pb[offB + j]) }
            } else {
                let r = F.apply(pa[offA], pb[offB])
                for j in 0..<inner { out[j] = r }
            }
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                offA += sa[d]
                offB += sb[d]
                if index[d] < shape[d] { break }
                offA -= sa[d] * index[d]
                offB -= sb[d] * index[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    /// Element strides of an operand read at output positions (0 where it broadcasts).
    static func broadcastStrides(_ shape: [Int], rank: Int, out: [Int]) -> [Int] {
        let padded = [Int](repeating: 1, count: rank - shape.count) + shape
        var strides = Shapes.strides(padded)
        for d in 0..<rank where padded[d] == 1 && out[d] != 1 { strides[d] = 0 }
        return strides
    }
}

/// A float unary function, as a type so loops specialize on it.
protocol UnaryFunction { static func apply(_ x: Float) -> Float }
enum SigmoidFn: UnaryFunction { @inline(__always) static func apply(_ x: Float) -> Float { 1 / (1 + expf(-x)) } }
enum ReluFn: UnaryFunction { @inline(__always) static func apply(_ x: Float) -> Float { x > 0 ? x : 0 } }
enum SqrtFn: UnaryFunction { @inline(__always) static func apply(_ x: Float) -> Float { x.squareRoot() } }
enum ExpFn: UnaryFunction { @inline(__always) static func apply(_ x: Float) -> Float { expf(x) } }
enum TanhFn: UnaryFunction { @inline(__always) static func apply(_ x: Float) -> Float { tanhf(x) } }
enum NegFn: UnaryFunction { @inline(__always) static func apply(_ x: Float) -> Float { -x } }
enum AbsFn: UnaryFunction { @inline(__always) static func apply(_ x: Float) -> Float { Swift.abs(x) } }
enum ReciprocalFn: UnaryFunction { @inline(__always) static func apply(_ x: Float) -> Float { 1 / x } }

/// Sigmoid, Relu, Sqrt, Exp, Tanh, Neg, Abs and Reciprocal on float32; may run in place.
public final class UnaryLayer: StandardLayer {
    public static let name = "Unary"
    public static let version = 1
    public static let domain = engineDomain
    public static let ops: Set<Op> = [.sigmoid, .relu, .sqrt, .exp, .tanh, .neg, .abs, .reciprocal]

    public let standard: StandardOp
    public var allowsInPlace: Bool { true }

    public init(attributes: [String: Attribute]) throws {
        standard = try StandardOp(attributes: attributes, plugin: Self.name)
        guard Self.ops.contains(standard.op) else {
            throw PluginError.invalidAttribute(plugin: Self.name, attribute: "__op", reason: "\(standard.op) is not unary")
        }
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { ["eltwise.loop"] }

    public func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.name), y = call.outputs[0]
        switch standard.op {
        case .sigmoid:
            Elementwise.chunks(y.count, call.threads) { r in
                VectorMath.sigmoid(x.floats + r.lowerBound, y.floats + r.lowerBound, r.count)
            }
        case .relu: Self.run(ReluFn.self, x, y, threads: call.threads)
        case .sqrt: Self.run(SqrtFn.self, x, y, threads: call.threads)
        case .exp: Self.run(ExpFn.self, x, y, threads: call.threads)
        case .tanh: Self.run(TanhFn.self, x, y, threads: call.threads)
        case .neg: Self.run(NegFn.self, x, y, threads: call.threads)
        case .abs: Self.run(AbsFn.self, x, y, threads: call.threads)
        default: Self.run(ReciprocalFn.self, x, y, threads: call.threads)
        }
    }

    static func run<F: UnaryFunction>(_: F.Type, _ x: TensorBuffer, _ y: TensorBuffer, threads: ThreadPool) {
        let px = x.floats, py = y.floats
        Elementwise.chunks(y.count, threads) { r in for i in r { py[i] = F.apply(px[i]) } }
    }
}

/// Softmax over the last axis of a float32 tensor:
/// `yᵢ = exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x)` per row.
public final class SoftmaxLayer: StandardLayer {
    public static let name = "Softmax"
    public static let version = 1
    public static let domain = engineDomain

    public let standard: StandardOp
    public var allowsInPlace: Bool { true }

    public init(attributes: [String: Attribute]) throws {
        standard = try StandardOp(attributes: attributes, plugin: Self.name)
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { ["softmax.rows"] }

    public func enqueue(_ call: PluginCall) throws {
        let x = try call.input(0, of: Self.name), y = call.outputs[0]
        guard let inner = x.shape.last, inner > 0 else { return }
        let px = x.floats, py = y.floats
        call.threads.parallelFor(x.count / inner) { r in
            let src = px + r * inner, dst = py + r * inner
            var m = -Float.infinity
            for j in 0..<inner { m = Swift.max(m, src[j]) }
            var sum: Float = 0
            for j in 0..<inner {
                let e = expf(src[j] - m)
                dst[j] = e
                sum += e
            }
            let s = 1 / sum
            for j in 0..<inner { dst[j] *= s }
        }
    }
}
