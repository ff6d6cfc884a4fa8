#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import IR

/// A floating-point element type with the elementary functions the unary ops need.
protocol RealElement: NumericElement, BinaryFloatingPoint {
    static func mathExp(_ x: Self) -> Self
    static func mathLog(_ x: Self) -> Self
    static func mathLog1p(_ x: Self) -> Self
    static func mathTanh(_ x: Self) -> Self
    static func mathErf(_ x: Self) -> Self
    static func mathSin(_ x: Self) -> Self
    static func mathCos(_ x: Self) -> Self
}

extension Float: RealElement {
    static func mathExp(_ x: Float) -> Float { exp(x) }
    static func mathLog(_ x: Float) -> Float { log(x) }
    static func mathLog1p(_ x: Float) -> Float { log1p(x) }
    static func mathTanh(_ x: Float) -> Float { tanh(x) }
    static func mathErf(_ x: Float) -> Float { erf(x) }
    static func mathSin(_ x: Float) -> Float { sin(x) }
    static func mathCos(_ x: Float) -> Float { cos(x) }
}

extension Double: RealElement {
    static func mathExp(_ x: Double) -> Double { exp(x) }
    static func mathLog(_ x: Double) -> Double { log(x) }
    static func mathLog1p(_ x: Double) -> Double { log1p(x) }
    static func mathTanh(_ x: Double) -> Double { tanh(x) }
    static func mathErf(_ x: Double) -> Double { erf(x) }
    static func mathSin(_ x: Double) -> Double { sin(x) }
    static func mathCos(_ x: Double) -> Double { cos(x) }
}

extension Elementwise {
    /// The unary ops. Abs, Neg, Sign and Relu accept every numeric type; Not
    /// needs bool; the rest need floating point.
    static func unary(_ op: Op, _ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        if op == .not {
            guard case .bool(let a) = x.data else { throw ctx.fail("Not needs a bool input, got \(x.dataType)") }
            return Tensor(shape: x.shape, data: .bool(a.map { !$0 }))
        }
        let decoded = x.decodingHalf
        let result: TensorData?
        switch op {
        case .abs, .neg, .sign, .relu:
            result = numericDispatch(decoded.dataType, IntegralUnary(op: op, x: decoded.data))
        default:
            let kernel = try RealUnary(op: op, x: decoded.data, ctx)
            switch decoded.dataType {
            case .float32: result = kernel.run(Float.self)
            case .float64: result = kernel.run(Double.self)
            default: result = nil
            }
        }
        guard let data = result else { throw ctx.fail("\(op.rawValue) does not support \(x.dataType) inputs") }
        return Tensor(shape: x.shape, data: data).encodingHalf(as: x.dataType)
    }
}

/// Unary ops defined on every numeric type.
private struct IntegralUnary: NumericKernel {
    let op: Op, x: TensorData

    func run<T: NumericElement>(_: T.Type) -> TensorData? {
        guard let a = T.unwrap(x) else { return nil }
        switch op {
        case .abs: return T.wrap(a.map { T.absolute($0) })
        case .neg: return T.wrap(a.map { T.negate($0) })
        case .sign: return T.wrap(a.map { T.sign($0) })
        case .relu: return T.wrap(a.map { $0 < T.additiveZero ? T.additiveZero : $0 })  // NaN stays NaN
        default: return nil
        }
    }
}

/// Unary ops on floating point, with their attributes read once.
private struct RealUnary {
    let op: Op, x: TensorData
    var alpha: Double = 0, beta: Double = 0
    var tanhApproximation = false

    init(op: Op, x: TensorData, _ ctx: NodeContext) throws {
        self.op = op
        self.x = x
        switch op {
        case .leakyRelu: alpha = Double(try ctx.node.float("alpha") ?? 0.01)
        case .hardSigmoid:
            alpha = Double(try ctx.node.float("alpha") ?? 0.2)
            beta = Double(try ctx.node.float("beta") ?? 0.5)
        case .gelu:
            switch try ctx.node.string("approximate") ?? "none" {
            case "none": tanhApproximation = false
            case "tanh": tanhApproximation = true
            case let other: throw ctx.fail("approximate must be 'none' or 'tanh', got '\(other)'")
            }
        default: break
        }
    }

    func run<T: RealElement>(_: T.Type) -> TensorData? {
        guard let a = T.unwrap(x) else { return nil }
        let alpha = T(self.alpha), beta = T(self.beta)
        let y: [T]
        switch op {
        case .sqrt: y = a.map { $0.squareRoot() }
        case .reciprocal: y = a.map { 1 / $0 }
        case .exp: y = a.map { T.mathExp($0) }
        case .log: y = a.map { T.mathLog($0) }
        case .erf: y = a.map { T.mathErf($0) }
        case .tanh: y = a.map { T.mathTanh($0) }
        case .sin: y = a.map { T.mathSin($0) }
        case .cos: y = a.map { T.mathCos($0) }
        case .floor: y = a.map { $0.rounded(.down) }
        case .ceil: y = a.map { $0.rounded(.up) }
        // sigmoid(x) = 1 / (1 + e^-x), written so that neither branch overflows.
        case .sigmoid: y = a.map { v in
            v >= 0 ? 1 / (1 + T.mathExp(-v)) : T.mathExp(v) / (1 + T.mathExp(v))
        }
        // softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|).
        case .softplus: y = a.map { v in Swift.max(v, 0) + T.mathLog1p(T.mathExp(-Swift.abs(v))) }
        case .leakyRelu: y = a.map { $0 < 0 ? alpha * $0 : $0 }
        case .hardSigmoid: y = a.map { Swift.max(0, Swift.min(1, alpha * $0 + beta)) }
        case .gelu: y = tanhApproximation ? a.map { Self.geluTanh($0) } : a.map { Self.geluErf($0) }
        default: return nil
        }
        return T.wrap(y)
    }

    /// gelu(x) = x/2 (1 + erf(x / sqrt 2)).
    static func geluErf<T: RealElement>(_ x: T) -> T {
        x / 2 * (1 + T.mathErf(x * T(0.70710678118654752440)))
    }

    /// gelu(x) ~ x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    static func geluTanh<T: RealElement>(_ x: T) -> T {
        x / 2 * (1 + T.mathTanh(T(0.79788456080286535588) * (x + T(0.044715) * x * x * x)))
    }
}
