#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import IR

/// A numeric element type the generic kernels specialize for: the storage of
/// one `TensorData` case plus the arithmetic ONNX defines on it.
///
/// Integer arithmetic wraps (as C and NumPy do) and never traps: division or
/// modulo by zero gives 0, `Int.min / -1` wraps.
protocol NumericElement: Comparable {
    static func unwrap(_ data: TensorData) -> [Self]?
    static func wrap(_ values: [Self]) -> TensorData
    static var additiveZero: Self { get }
    static func plus(_ a: Self, _ b: Self) -> Self
    static func minus(_ a: Self, _ b: Self) -> Self
    static func times(_ a: Self, _ b: Self) -> Self
    /// Integer division truncates toward zero.
    static func quotient(_ a: Self, _ b: Self) -> Self
    /// `fmod` true: the result has the dividend's sign (C `fmod`);
    /// false: the divisor's sign (Python `%`).
    static func modulo(_ a: Self, _ b: Self, fmod: Bool) -> Self
    /// `a` raised to `b`; integer bases give the truncated integer result.
    static func power(_ a: Self, _ b: Double) -> Self
    /// The smaller value; NaN wins (NumPy `minimum`).
    static func minimum(_ a: Self, _ b: Self) -> Self
    /// The larger value; NaN wins (NumPy `maximum`).
    static func maximum(_ a: Self, _ b: Self) -> Self
    static func negate(_ a: Self) -> Self
    static func absolute(_ a: Self) -> Self
    /// -1, 0 or 1 (NaN stays NaN).
    static func sign(_ a: Self) -> Self
}

extension NumericElement where Self: FixedWidthInteger {
    static var additiveZero: Self { 0 }
    static func plus(_ a: Self, _ b: Self) -> Self { a &+ b }
    static func minus(_ a: Self, _ b: Self) -> Self { a &- b }
    static func times(_ a: Self, _ b: Self) -> Self { a &* b }
    static func quotient(_ a: Self, _ b: Self) -> Self {
        b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
    }
    static func modulo(_ a: Self, _ b: Self, fmod: Bool) -> Self {
        guard b != 0 else { return 0 }
        let r = a.remainderReportingOverflow(dividingBy: b).partialValue
        if fmod || r == 0 || (r < 0) == (b < 0) { return r }
        return r &+ b
    }
    static func power(_ a: Self, _ b: Double) -> Self {
        if b.isNaN { return 0 }
        if b == b.rounded(.towardZero) {
            if b >= 0 {
                // Exponentiation by squaring, wrapping like C integer arithmetic.
                var result: Self = 1, base = a
                var e = b >= 9.2e18 ? Int64.max : Int64(b)
                while e > 0 {
                    if e & 1 == 1 { result = result &* base }
                    base = base &* base
                    e >>= 1
                }
                return result
            }
            // Negative integral exponent: 1 / a^n truncated.
            if a == 1 { return 1 }
            if Self.isSigned && a == 0 &- 1 {
                let odd = b.truncatingRemainder(dividingBy: 2) != 0
                return odd ? a : 1
            }
            return 0
        }
        return Self.clamping(pow(Double(a), b))
    }
    static func minimum(_ a: Self, _ b: Self) -> Self { Swift.min(a, b) }
    static func maximum(_ a: Self, _ b: Self) -> Self { Swift.max(a, b) }
    static func negate(_ a: Self) -> Self { 0 &- a }
    static func absolute(_ a: Self) -> Self { a < 0 ? 0 &- a : a }
    static func sign(_ a: Self) -> Self { a > 0 ? 1 : (a < 0 ? 0 &- 1 : 0) }

    /// `value` truncated toward zero and clamped to the type's range (NaN gives 0).
    static func clamping(_ value: Double) -> Self {
        if value.isNaN { return 0 }
        if value <= Double(Self.min) { return Self.min }
        if value >= Double(Self.max) { return Self.max }
        return Self(value.rounded(.towardZero))
    }
}

extension NumericElement where Self: BinaryFloatingPoint {
    static var additiveZero: Self { 0 }
    static func plus(_ a: Self, _ b: Self) -> Self { a + b }
    static func minus(_ a: Self, _ b: Self) -> Self { a - b }
    static func times(_ a: Self, _ b: Self) -> Self { a * b }
    static func quotient(_ a: Self, _ b: Self) -> Self { a / b }
    static func modulo(_ a: Self, _ b: Self, fmod: Bool) -> Self {
        let r = a.truncatingRemainder(dividingBy: b)
        if fmod || r.isNaN { return r }
        // NumPy `mod`: a zero takes the divisor's sign, and a finite dividend
        // over an infinite divisor of the other sign gives that infinity.
        if r == 0 { return Self(signOf: b, magnitudeOf: 0) }
        if (r < 0) == (b < 0) { return r }
        return b.isInfinite ? b : r + b
    }
    static func power(_ a: Self, _ b: Double) -> Self {
        // x^2 is common (decomposed norms); the product is exactly what pow rounds to.
        b == 2 ? a * a : Self(pow(Double(a), b))
    }
    static func minimum(_ a: Self, _ b: Self) -> Self { a.isNaN || a < b ? a : b }
    static func maximum(_ a: Self, _ b: Self) -> Self { a.isNaN || a > b ? a : b }
    static func negate(_ a: Self) -> Self { -a }
    static func absolute(_ a: Self) -> Self { Swift.abs(a) }
    static func sign(_ a: Self) -> Self { a > 0 ? 1 : (a < 0 ? -1 : a) }
}

extension Float: NumericElement {
    static func unwrap(_ d: TensorData) -> [Float]? { if case .float32(let a) = d { a } else { nil } }
    static func wrap(_ v: [Float]) -> TensorData { .float32(v) }
}
extension Double: NumericElement {
    static func unwrap(_ d: TensorData) -> [Double]? { if case .float64(let a) = d { a } else { nil } }
    static func wrap(_ v: [Double]) -> TensorData { .float64(v) }
}
extension Int8: NumericElement {
    static func unwrap(_ d: TensorData) -> [Int8]? { if case .int8(let a) = d { a } else { nil } }
    static func wrap(_ v: [Int8]) -> TensorData { .int8(v) }
}
extension UInt8: NumericElement {
    static func unwrap(_ d: TensorData) -> [UInt8]? { if case .uint8(let a) = d { a } else { nil } }
    static func wrap(_ v: [UInt8]) -> TensorData { .uint8(v) }
}
extension Int16: NumericElement {
    static func unwrap(_ d: TensorData) -> [Int16]? { if case .int16(let a) = d { a } else { nil } }
    static func wrap(_ v: [Int16]) -> TensorData { .int16(v) }
}
extension UInt16: NumericElement {
    static func unwrap(_ d: TensorData) -> [UInt16]? { if case .uint16(let a) = d { a } else { nil } }
    static func wrap(_ v: [UInt16]) -> TensorData { .uint16(v) }
}
extension Int32: NumericElement {
    static func unwrap(_ d: TensorData) -> [Int32]? { if case .int32(let a) = d { a } else { nil } }
    static func wrap(_ v: [Int32]) -> TensorData { .int32(v) }
}
extension UInt32: NumericElement {
    static func unwrap(_ d: TensorData) -> [UInt32]? { if case .uint32(let a) = d { a } else { nil } }
    static func wrap(_ v: [UInt32]) -> TensorData { .uint32(v) }
}
extension Int64: NumericElement {
    static func unwrap(_ d: TensorData) -> [Int64]? { if case .int64(let a) = d { a } else { nil } }
    static func wrap(_ v: [Int64]) -> TensorData { .int64(v) }
}
extension UInt64: NumericElement {
    static func unwrap(_ d: TensorData) -> [UInt64]? { if case .uint64(let a) = d { a } else { nil } }
    static func wrap(_ v: [UInt64]) -> TensorData { .uint64(v) }
}

/// A kernel body generic over the numeric element type; ``numericDispatch(_:_:)``
/// picks the type from a runtime `DataType`.
protocol NumericKernel {
    func run<T: NumericElement>(_ type: T.Type) -> TensorData?
}

/// Runs `kernel` specialized for `dataType`'s storage type. Returns nil for
/// non-numeric types and for half types (decode those to float32 first).
func numericDispatch<K: NumericKernel>(_ dataType: DataType, _ kernel: K) -> TensorData? {
    switch dataType {
    case .float32: return kernel.run(Float.self)
    case .float64: return kernel.run(Double.self)
    case .int8: return kernel.run(Int8.self)
    case .uint8: return kernel.run(UInt8.self)
    case .int16: return kernel.run(Int16.self)
    case .uint16: return kernel.run(UInt16.self)
    case .int32: return kernel.run(Int32.self)
    case .uint32: return kernel.run(UInt32.self)
    case .int64: return kernel.run(Int64.self)
    case .uint64: return kernel.run(UInt64.self)
    case .float16, .bfloat16, .bool, .string: return nil
    }
}

extension Tensor {
    /// float16 and bfloat16 tensors decoded to float32; other tensors unchanged.
    /// Half-precision arithmetic is computed in float32 and rounded back.
    var decodingHalf: Tensor {
        switch data {
        case .float16(let a): return Tensor(shape: shape, data: .float32(a.map(HalfFloat.float16ToFloat)))
        case .bfloat16(let a): return Tensor(shape: shape, data: .float32(a.map(HalfFloat.bfloat16ToFloat)))
        default: return self
        }
    }

    /// A float32 tensor rounded to `dataType` when that is a half type; others unchanged.
    func encodingHalf(as dataType: DataType) -> Tensor {
        guard case .float32(let a) = data else { return self }
        switch dataType {
        case .float16: return Tensor(shape: shape, data: .float16(a.map(HalfFloat.floatToFloat16)))
        case .bfloat16: return Tensor(shape: shape, data: .bfloat16(a.map(HalfFloat.floatToBFloat16)))
        default: return self
        }
    }
}
