import IR

/// The NumPy dtype strings (`descr`) the workbench reads and writes, and
/// their element types.
///
/// Only little-endian (or byte-order-free, `|`) bool, integer and float dtypes
/// are accepted: `<f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1`.
enum DType {
    /// The element type a `descr` string stores, or nil when unsupported.
    static func dataType(descr: String) -> DataType? {
        guard let order = descr.first, descr.count >= 3 else { return nil }
        let kind = descr.dropFirst()
        let type: DataType
        switch kind {
        case "f2": type = .float16
        case "f4": type = .float32
        case "f8": type = .float64
        case "i1": type = .int8
        case "i2": type = .int16
        case "i4": type = .int32
        case "i8": type = .int64
        case "u1": type = .uint8
        case "u2": type = .uint16
        case "u4": type = .uint32
        case "u8": type = .uint64
        case "b1": type = .bool
        default: return nil
        }
        // One-byte types have no byte order: NumPy writes `|`, other tools `<`.
        if type.byteSize == 1 { return order == "|" || order == "<" ? type : nil }
        return order == "<" ? type : nil
    }

    /// The `descr` NumPy writes for an element type, or nil when NumPy has none.
    static func descr(for type: DataType) -> String? {
        switch type {
        case .float16: return "<f2"
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .int8: return "|i1"
        case .int16: return "<i2"
        case .int32: return "<i4"
        case .int64: return "<i8"
        case .uint8: return "|u1"
        case .uint16: return "<u2"
        case .uint32: return "<u4"
        case .uint64: return "<u8"
        case .bool: return "|b1"
        case .string, .bfloat16: return nil
        }
    }
}
