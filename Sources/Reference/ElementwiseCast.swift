import IR

/// Cast and CastLike between every `DataType` (float8 and 4-bit types are not
/// `DataType`s and are rejected by name).
///
/// Rules, as NumPy's `astype` on x86: float to integer truncates toward zero
/// (NaN gives 0; values beyond int64 clamp, then wrap to narrower types);
/// integer to integer wraps; anything to bool is "non-zero"; bool to number
/// is 0 or 1; float to float rounds to nearest even. Strings parse as
/// numbers and numbers print in their shortest round-trip form. The
/// `saturate` attribute only concerns float8 and is ignored.
extension Elementwise {
    static func cast(_ ctx: NodeContext) throws -> Tensor {
        let x = try ctx.input(0)
        let code = try ctx.node.required("to") { try ctx.node.int($0) }
        guard let target = DataType(rawValue: code) else {
            throw ctx.fail("cast target type \(code) is not supported (float8 and 4-bit types are out of scope)")
        }
        return try convert(x, to: target, ctx)
    }

    static func castLike(_ ctx: NodeContext) throws -> Tensor {
        try convert(try ctx.input(0), to: try ctx.input(1).dataType, ctx)
    }

    /// `tensor`'s elements converted to `target` with the rules above.
    static func convert(_ tensor: Tensor, to target: DataType, _ ctx: NodeContext) throws -> Tensor {
        if tensor.dataType == target { return tensor }
        let source = try CastSource(tensor.data, ctx)
        let data: TensorData
        switch target {
        case .float32: data = .float32(source.floatingPoint())
        case .float64: data = .float64(source.floatingPoint())
        case .float16: data = .float16(source.floatingPoint().map(HalfFloat.floatToFloat16))
        case .bfloat16: data = .bfloat16(source.floatingPoint().map(HalfFloat.floatToBFloat16))
        case .int8: data = .int8(source.integers())
        case .uint8: data = .uint8(source.integers())
        case .int16: data = .int16(source.integers())
        case .uint16: data = .uint16(source.integers())
        case .int32: data = .int32(source.integers())
        case .uint32: data = .uint32(source.integers())
        case .int64: data = .int64(source.integers())
        case .uint64: data = .uint64(source.integers())
        case .bool: data = .bool(source.booleans())
        case .string: data = .string(source.strings())
        }
        return Tensor(shape: tensor.shape, data: data)
    }
}

/// A cast's input widened to one of five families, so each target type needs
/// one conversion per family instead of one per source type.
private enum CastSource {
    /// Floating-point values; `single` when the source was float32 or narrower
    /// (it decides how the values print as strings).
    case floating([Double], single: Bool)
    case signed([Int64])
    case unsigned([UInt64])
    case boolean([Bool])

    init(_ data: TensorData, _ ctx: NodeContext) throws {
        switch data {
        case .float32(let a): self = .floating(a.map(Double.init), single: true)
        case .float64(let a): self = .floating(a, single: false)
        case .float16(let a): self = .floating(a.map { Double(HalfFloat.float16ToFloat($0)) }, single: true)
        case .bfloat16(let a): self = .floating(a.map { Double(HalfFloat.bfloat16ToFloat($0)) }, single: true)
        case .int8(let a): self = .signed(a.map(Int64.init))
        case .int16(let a): self = .signed(a.map(Int64.init))
        case .int32(let a): self = .signed(a.map(Int64.init))
        case .int64(let a): self = .signed(a)
        case .uint8(let a): self = .unsigned(a.map(UInt64.init))
        case .uint16(let a): self = .unsigned(a.map(UInt64.init))
        case .uint32(let a): self = .unsigned(a.map(UInt64.init))
        case .uint64(let a): self = .unsigned(a)
        case .bool(let a): self = .boolean(a)
        case .string(let a):
            // Strings parse as numbers ("1.5", "-3", "inf", "NaN"); integral text stays exact.
            if let ints = Self.parseIntegers(a) {
                self = .signed(ints)
            } else {
                self = .floating(try a.map { s in
                    guard let v = Double(s.trimmingSpaces) else { throw ctx.fail("cannot cast string '\(s)' to a number") }
                    return v
                }, single: false)
            }
        }
    }

    private static func parseIntegers(_ strings: [String]) -> [Int64]? {
        var out: [Int64] = []
        out.reserveCapacity(strings.count)
        for s in strings {
            guard let v = Int64(s.trimmingSpaces) else { return nil }
            out.append(v)
        }
        return out
    }

    func floatingPoint<T: BinaryFloatingPoint>() -> [T] {
        switch self {
        case .floating(let a, _): return a.map { T($0) }
        case .signed(let a): return a.map { T($0) }
        case .unsigned(let a): return a.map { T($0) }
        case .boolean(let a): return a.map { $0 ? 1 : 0 }
        }
    }

    func integers<T: FixedWidthInteger>() -> [T] {
        switch self {
        case .floating(let a, _): return a.map { Self.truncated($0) }
        case .signed(let a): return a.map { T(truncatingIfNeeded: $0) }
        case .unsigned(let a): return a.map { T(truncatingIfNeeded: $0) }
        case .boolean(let a): return a.map { $0 ? 1 : 0 }
        }
    }

    /// `v` truncated toward zero: NaN gives 0; signed targets and negative
    /// values go through int64 (clamped), large positives into unsigned
    /// targets through uint64 (clamped); narrower types then wrap.
    private static func truncated<T: FixedWidthInteger>(_ v: Double) -> T {
        if v.isNaN { return 0 }
        if T.isSigned || v < 0 {
            let i: Int64 = v <= -9.223372036854775808e18 ? .min
                : v >= 9.223372036854775807e18 ? .max : Int64(v.rounded(.towardZero))
            return T(truncatingIfNeeded: i)
        }
        let u: UInt64 = v >= 1.8446744073709551615e19 ? .max : UInt64(v.rounded(.towardZero))
        return T(truncatingIfNeeded: u)
    }

    func booleans() -> [Bool] {
        switch self {
        case .floating(let a, _): return a.map { $0 != 0 }
        case .signed(let a): return a.map { $0 != 0 }
        case .unsigned(let a): return a.map { $0 != 0 }
        case .boolean(let a): return a
        }
    }

    func strings() -> [String] {
        switch self {
        case .floating(let a, let single): return a.map { single ? Float($0).description : $0.description }
        case .signed(let a): return a.map(String.init)
        case .unsigned(let a): return a.map(String.init)
        case .boolean(let a): return a.map { $0 ? "True" : "False" }
        }
    }
}

private extension String {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
