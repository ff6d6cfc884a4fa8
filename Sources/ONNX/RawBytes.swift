import Foundation
import IR

/// Conversions between ONNX's little-endian element bytes (`raw_data` and
/// external data files) and typed arrays.
///
/// Conversions are whole-buffer copies (`copyMemory`/`pread` straight into the
/// array's storage), never per-element loops, so importing a large model is
/// limited by I/O. Only `bool` (one byte per element, any nonzero is true) is
/// converted element by element.
enum RawBytes {
    /// Writes exactly `destination.count` bytes into `destination` or throws.
    typealias Fill = (UnsafeMutableRawBufferPointer) throws -> Void

    /// Decodes `count` elements of `dataType` from the bytes `fill` writes.
    /// The caller has checked that the source holds `count * dataType.byteSize` bytes.
    /// `string` has no raw form and yields nil.
    static func tensorData(_ dataType: DataType, count: Int, fill: Fill) throws -> TensorData? {
        switch dataType {
        case .float32: return .float32(try load(Float.self, count, fill))
        case .float64: return .float64(try load(Double.self, count, fill))
        case .float16: return .float16(try load(UInt16.self, count, fill))
        case .bfloat16: return .bfloat16(try load(UInt16.self, count, fill))
        case .int8: return .int8(try load(Int8.self, count, fill))
        case .uint8: return .uint8(try load(UInt8.self, count, fill))
        case .int16: return .int16(try load(Int16.self, count, fill))
        case .uint16: return .uint16(try load(UInt16.self, count, fill))
        case .int32: return .int32(try load(Int32.self, count, fill))
        case .uint32: return .uint32(try load(UInt32.self, count, fill))
        case .int64: return .int64(try load(Int64.self, count, fill))
        case .uint64: return .uint64(try load(UInt64.self, count, fill))
        case .bool: return .bool(try load(UInt8.self, count, fill).map { $0 != 0 })
        case .string: return nil
        }
    }

    /// A `Fill` that copies from `data`, which must hold exactly the destination's size.
    static func copying(_ data: Data) -> Fill {
        { destination in
            guard destination.count > 0 else { return }
            data.withUnsafeBytes { source in destination.copyMemory(from: source) }
        }
    }

    /// The little-endian bytes of a tensor's elements, or nil for strings.
    static func encode(_ data: TensorData) -> Data? {
        switch data {
        case .float32(let a): return bytes(a)
        case .float64(let a): return bytes(a)
        case .float16(let a), .bfloat16(let a), .uint16(let a): return bytes(a)
        case .int8(let a): return bytes(a)
        case .uint8(let a): return bytes(a)
        case .int16(let a): return bytes(a)
        case .int32(let a): return bytes(a)
        case .uint32(let a): return bytes(a)
        case .int64(let a): return bytes(a)
        case .uint64(let a): return bytes(a)
        case .bool(let a): return Data(a.map { $0 ? 1 : 0 })
        case .string: return nil
        }
    }

    private static func load<T: BitwiseCopyable>(_: T.Type, _ count: Int, _ fill: Fill) throws -> [T] {
        try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            try fill(raw)
            #if _endian(big)
            reverseEachElement(raw, width: MemoryLayout<T>.stride)
            #endif
            initialized = count
        }
    }

    private static func bytes<T: BitwiseCopyable>(_ array: [T]) -> Data {
        #if _endian(big)
        var data = array.withUnsafeBytes { Data($0) }
        data.withUnsafeMutableBytes { reverseEachElement($0, width: MemoryLayout<T>.stride) }
        return data
        #else
        return array.withUnsafeBytes { Data($0) }
        #endif
    }

    /// Byte-swaps every `width`-byte element in place (big-endian hosts only).
    private static func reverseEachElement(_ raw: UnsafeMutableRawBufferPointer, width: Int) {
        guard width > 1 else { return }
        var start = 0
        while start + width <= raw.count {
            var lo = start, hi = start + width - 1
            while lo < hi {
                raw.swapAt(lo, hi)
                lo += 1
                hi -= 1
            }
            start += width
        }
    }
}
