/// The typed elements of a tensor, in row-major (C) order.
///
/// `float16` and `bfloat16` keep their raw bit patterns; use
/// ``Tensor/floatValues()`` to read them as `Float`.
public enum TensorData: Sendable, Equatable {
    case float32([Float])
    case float64([Double])
    case float16([UInt16])
    case bfloat16([UInt16])
    case int8([Int8])
    case uint8([UInt8])
    case int16([Int16])
    case uint16([UInt16])
    case int32([Int32])
    case uint32([UInt32])
    case int64([Int64])
    case uint64([UInt64])
    case bool([Bool])
    case string([String])

    public var dataType: DataType {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        case .float16: return .float16
        case .bfloat16: return .bfloat16
        case .int8: return .int8
        case .uint8: return .uint8
        case .int16: return .int16
        case .uint16: return .uint16
        case .int32: return .int32
        case .uint32: return .uint32
        case .int64: return .int64
        case .uint64: return .uint64
        case .bool: return .bool
        case .string: return .string
        }
    }

    public var count: Int {
        switch self {
        case .float32(let a): return a.count
        case .float64(let a): return a.count
        case .float16(let a): return a.count
        case .bfloat16(let a): return a.count
        case .int8(let a): return a.count
        case .uint8(let a): return a.count
        case .int16(let a): return a.count
        case .uint16(let a): return a.count
        case .int32(let a): return a.count
        case .uint32(let a): return a.count
        case .int64(let a): return a.count
        case .uint64(let a): return a.count
        case .bool(let a): return a.count
        case .string(let a): return a.count
        }
    }
}

/// A dense tensor with a concrete shape and typed storage: the value that
/// initializers, constants, reference execution and `.npz` files exchange.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    public var shape: [Int]
    public var data: TensorData

    /// Creates a tensor; the element count must match the shape.
    public init(shape: [Int], data: TensorData) {
        precondition(Shapes.count(shape) == data.count,
                     "tensor data has \(data.count) elements, shape \(shape) needs \(Shapes.count(shape))")
        self.shape = shape
        self.data = data
    }

    /// Creates a tensor, throwing instead of trapping when the count is wrong.
    public init(checkedShape shape: [Int], data: TensorData, name: String) throws {
        guard shape.allSatisfy({ $0 >= 0 }), Shapes.count(shape) == data.count else {
            throw IRError.invalidTensor(name: name,
                reason: "\(data.count) elements do not fill shape \(shape)")
        }
        self.shape = shape
        self.data = data
    }

    public init(_ values: [Float], shape: [Int]) { self.init(shape: shape, data: .float32(values)) }
    public init(_ values: [Int64], shape: [Int]) { self.init(shape: shape, data: .int64(values)) }
    public init(_ values: [Int32], shape: [Int]) { self.init(shape: shape, data: .int32(values)) }
    public init(_ values: [Bool], shape: [Int]) { self.init(shape: shape, data: .bool(values)) }
    public init(scalar: Float) { self.init([scalar], shape: []) }
    public init(scalar: Int64) { self.init([scalar], shape: []) }

    /// A tensor of `dataType` filled with zeros (false, empty strings).
    public static func zeros(_ dataType: DataType, shape: [Int]) -> Tensor {
        let n = Shapes.count(shape)
        let data: TensorData
        switch dataType {
        case .float32: data = .float32(.init(repeating: 0, count: n))
        case .float64: data = .float64(.init(repeating: 0, count: n))
        case .float16: data = .float16(.init(repeating: 0, count: n))
        case .bfloat16: data = .bfloat16(.init(repeating: 0, count: n))
        case .int8: data = .int8(.init(repeating: 0, count: n))
        case .uint8: data = .uint8(.init(repeating: 0, count: n))
        case .int16: data = .int16(.init(repeating: 0, count: n))
        case .uint16: data = .uint16(.init(repeating: 0, count: n))
        case .int32: data = .int32(.init(repeating: 0, count: n))
        case .uint32: data = .uint32(.init(repeating: 0, count: n))
        case .int64: data = .int64(.init(repeating: 0, count: n))
        case .uint64: data = .uint64(.init(repeating: 0, count: n))
        case .bool: data = .bool(.init(repeating: false, count: n))
        case .string: data = .string(.init(repeating: "", count: n))
        }
        return Tensor(shape: shape, data: data)
    }

    public var dataType: DataType { data.dataType }
    public var count: Int { data.count }
    public var rank: Int { shape.count }

    public var description: String { "Tensor<\(dataType)>\(shape)" }

    // MARK: Typed access (nil when the type differs)

    public var floats: [Float]? { if case .float32(let a) = data { return a } else { return nil } }
    public var int64s: [Int64]? { if case .int64(let a) = data { return a } else { return nil } }
    public var int32s: [Int32]? { if case .int32(let a) = data { return a } else { return nil } }
    public var bools: [Bool]? { if case .bool(let a) = data { return a } else { return nil } }

    /// The elements as `Float` (booleans as 0/1, half types decoded), or nil for strings.
    public func floatValues() -> [Float]? {
        switch data {
        case .float32(let a): return a
        case .float64(let a): return a.map { Float($0) }
        case .float16(let a): return a.map(HalfFloat.float16ToFloat)
        case .bfloat16(let a): return a.map(HalfFloat.bfloat16ToFloat)
        case .int8(let a): return a.map { Float($0) }
        case .uint8(let a): return a.map { Float($0) }
        case .int16(let a): return a.map { Float($0) }
        case .uint16(let a): return a.map { Float($0) }
        case .int32(let a): return a.map { Float($0) }
        case .uint32(let a): return a.map { Float($0) }
        case .int64(let a): return a.map { Float($0) }
        case .uint64(let a): return a.map { Float($0) }
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        case .string: return nil
        }
    }

    /// The elements as `Double`, or nil for strings.
    public func doubleValues() -> [Double]? {
        switch data {
        case .float64(let a): return a
        case .int64(let a): return a.map { Double($0) }
        case .uint64(let a): return a.map { Double($0) }
        case .string: return nil
        default: return floatValues()!.map { Double($0) }
        }
    }

    /// The elements as `Int` (floats truncated toward zero), or nil for strings.
    /// Meant for shape-like tensors (shapes, axes, indices).
    public func intValues() -> [Int]? {
        switch data {
        case .int64(let a): return a.map { Int($0) }
        case .int32(let a): return a.map { Int($0) }
        case .int8(let a): return a.map { Int($0) }
        case .uint8(let a): return a.map { Int($0) }
        case .int16(let a): return a.map { Int($0) }
        case .uint16(let a): return a.map { Int($0) }
        case .uint32(let a): return a.map { Int($0) }
        case .uint64(let a): return a.map { Int(truncatingIfNeeded: $0) }
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        case .string: return nil
        default:
            return doubleValues()!.map { $0.isFinite ? Int(max(min($0, 9.2e18), -9.2e18)) : 0 }
        }
    }

    /// Same elements, new shape (the element count must match).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// Size in bytes of the element data (strings count their UTF-8 bytes).
    public var byteCount: Int {
        if case .string(let s) = data { return s.reduce(0) { $0 + $1.utf8.count } }
        return count * dataType.byteSize
    }
}

/// IEEE half and bfloat16 conversions on raw bit patterns.
public enum HalfFloat {
    public static func float16ToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int((h >> 10) & 0x1F)
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            // subnormal
            let v = Float(mant) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -v : v
        }
        if exp == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13))
        }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
    }

    /// Round-to-nearest-even conversion to IEEE half.
    public static func floatToFloat16(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exp = Int((bits >> 23) & 0xFF)
        var mant = bits & 0x7F_FFFF
        if exp == 255 { return sign | 0x7C00 | (mant != 0 ? 0x200 : 0) }
        var e = exp - 127 + 15
        if e >= 31 { return sign | 0x7C00 }
        if e <= 0 {
            if e < -10 { return sign }
            mant |= 0x80_0000
            let shift = UInt32(14 - e)
            var half = mant >> shift
            let rem = mant & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if rem > halfway || (rem == halfway && (half & 1) == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(e) << 10 | (mant >> 13)
        let rem = mant & 0x1FFF
        if rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1) { half += 1 }
        if half >= 0x7C00 { e = 31; return sign | 0x7C00 }
        return sign | UInt16(half)
    }

    public static func bfloat16ToFloat(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    public static func floatToBFloat16(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        if f.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = ((bits >> 16) & 1) + 0x7FFF
        return UInt16((bits &+ rounding) >> 16)
    }
}
