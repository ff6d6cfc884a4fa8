import Foundation
import IR

/// Little-endian element bytes to and from ``TensorData``.
///
/// On little-endian hosts both directions are one `memcpy`; big-endian hosts
/// swap each element.
enum ElementCodec {
    /// Decodes `count` elements of `type`; `bytes` holds exactly `count * type.byteSize` bytes.
    static func decode(_ type: DataType, count: Int, from bytes: UnsafeRawBufferPointer) -> TensorData {
        switch type {
        case .float32: return .float32(load(UInt32.self, count, bytes).map(Float.init(bitPattern:)))
        case .float64: return .float64(load(UInt64.self, count, bytes).map(Double.init(bitPattern:)))
        case .float16: return .float16(load(UInt16.self, count, bytes))
        case .bfloat16: return .bfloat16(load(UInt16.self, count, bytes))
        case .int8: return .int8(load(Int8.self, count, bytes))
        case .uint8: return .uint8(load(UInt8.self, count, bytes))
        case .int16: return .int16(load(Int16.self, count, bytes))
        case .uint16: return .uint16(load(UInt16.self, count, bytes))
        case .int32: return .int32(load(Int32.self, count, bytes))
        case .uint32: return .uint32(load(UInt32.self, count, bytes))
        case .int64: return .int64(load(Int64.self, count, bytes))
        case .uint64: return .uint64(load(UInt64.self, count, bytes))
        case .bool: return .bool(load(UInt8.self, count, bytes).map { $0 != 0 })
        case .string: return .string([String](repeating: "", count: count))
        }
    }

    /// Appends the elements' little-endian bytes (strings append nothing: the caller rejects them).
    static func append(_ data: TensorData, to out: inout Data) {
        switch data {
        case .float32(let a): store(a.map(\.bitPattern), to: &out)
        case .float64(let a): store(a.map(\.bitPattern), to: &out)
        case .float16(let a), .bfloat16(let a), .uint16(let a): store(a, to: &out)
        case .int8(let a): store(a, to: &out)
        case .uint8(let a): store(a, to: &out)
        case .int16(let a): store(a, to: &out)
        case .int32(let a): store(a, to: &out)
        case .uint32(let a): store(a, to: &out)
        case .int64(let a): store(a, to: &out)
        case .uint64(let a): store(a, to: &out)
        case .bool(let a): store(a.map { $0 ? UInt8(1) : 0 }, to: &out)
        case .string: break
        }
    }

    private static func load<T: FixedWidthInteger>(_: T.Type, _ count: Int, _ bytes: UnsafeRawBufferPointer) -> [T] {
        guard count > 0, let base = bytes.baseAddress else { return [] }
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            memcpy(buffer.baseAddress!, base, count * MemoryLayout<T>.stride)
            initialized = count
        }
        #if _endian(big)
        return values.map { T(littleEndian: $0) }
        #else
        return values
        #endif
    }

    private static func store<T: FixedWidthInteger>(_ values: [T], to out: inout Data) {
        #if _endian(big)
        let values = values.map(\.littleEndian)
        #endif
        values.withUnsafeBytes { out.append(contentsOf: $0) }
    }
}
