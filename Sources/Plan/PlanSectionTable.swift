import Foundation
import IR

/// Where a section lies in a plan and what it holds.
public struct PlanSectionInfo: Sendable, Hashable {
    /// The section's name, unique within the plan.
    public var name: String
    /// The element type.
    public var dataType: DataType
    /// The element shape (row-major).
    public var shape: [Int]
    /// Absolute byte offset in the file (a multiple of ``PlanFormat/sectionAlignment``).
    public var offset: Int
    /// Bytes of data: `product(shape) × dataType.byteSize`.
    public var byteCount: Int

    /// Describes a section; the reader checks that the fields agree.
    public init(name: String, dataType: DataType, shape: [Int], offset: Int, byteCount: Int) {
        self.name = name
        self.dataType = dataType
        self.shape = shape
        self.offset = offset
        self.byteCount = byteCount
    }

    /// Element count of the shape.
    public var elementCount: Int { Shapes.count(shape) }

    /// The bytes the section occupies in the file.
    public var byteRange: Range<Int> { offset..<(offset + byteCount) }
}

/// Encoding and decoding of the section table (see ``PlanFormat``).
enum PlanSectionTable {
    /// The table bytes for `entries`, in order.
    static func encode(_ entries: [PlanSectionInfo]) -> [UInt8] {
        var out: [UInt8] = []
        append(UInt32(entries.count), to: &out)
        append(UInt32(0), to: &out)
        for e in entries {
            let name = Array(e.name.utf8)
            append(UInt32(name.count), to: &out)
            append(UInt32(e.dataType.rawValue), to: &out)
            append(UInt32(e.shape.count), to: &out)
            append(UInt32(0), to: &out)
            append(UInt64(e.offset), to: &out)
            append(UInt64(e.byteCount), to: &out)
            for d in e.shape { append(Int64(d), to: &out) }
            out += name
            out += [UInt8](repeating: 0, count: PlanFormat.align(name.count, to: 8) - name.count)
        }
        return out
    }

    /// Parses a table; every read is bounds-checked, so hostile bytes throw, never trap.
    /// Checks each entry on its own (type, rank, shape and byte count agree); placement
    /// against the weights region is the caller's check.
    static func decode(_ bytes: UnsafeRawBufferPointer, file: String) throws(PlanError) -> [PlanSectionInfo] {
        var reader = ByteReader(bytes)
        func fail(_ reason: String) -> PlanError { .malformedSectionTable(file: file, reason: reason) }
        guard let count = reader.u32(), reader.u32() != nil else { throw fail("the table is shorter than its 8-byte count") }
        // Each entry needs at least 40 bytes (32 fixed + an 8-byte padded name), which bounds the count before anything is allocated.
        guard Int(count) <= bytes.count / 40 else {
            throw fail("it claims \(count) sections but has room for at most \(bytes.count / 40)")
        }
        var entries: [PlanSectionInfo] = []
        entries.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            entries.append(try decodeEntry(&reader, index: index, fail: fail))
        }
        guard reader.remaining == 0 else { throw fail("\(reader.remaining) unexpected bytes after the last entry") }
        return entries
    }

    private static func decodeEntry(_ reader: inout ByteReader, index: Int,
                                    fail: (String) -> PlanError) throws(PlanError) -> PlanSectionInfo {
        guard let nameLength = reader.u32(), let typeCode = reader.u32(), let rank = reader.u32(),
              let reserved = reader.u32(), let offset = reader.u64(), let byteCount = reader.u64()
        else { throw fail("entry \(index) is cut off") }
        guard reserved == 0 else { throw fail("entry \(index) has a nonzero reserved field") }
        guard (1...UInt32(PlanFormat.maxSectionNameLength)).contains(nameLength) else {
            throw fail("entry \(index) has a name of \(nameLength) bytes (1...\(PlanFormat.maxSectionNameLength) allowed)")
        }
        guard rank <= UInt32(PlanFormat.maxSectionRank) else { throw fail("entry \(index) has rank \(rank)") }
        var shape: [Int] = []
        for _ in 0..<Int(rank) {
            guard let d = reader.i64() else { throw fail("entry \(index) is cut off in its shape") }
            guard d >= 0 else { throw fail("entry \(index) has dimension \(d)") }
            shape.append(Int(d))
        }
        let padded = PlanFormat.align(Int(nameLength), to: 8)
        guard let nameBytes = reader.bytes(padded) else { throw fail("entry \(index) is cut off in its name") }
        guard let name = String(bytes: nameBytes.prefix(Int(nameLength)), encoding: .utf8) else {
            throw fail("entry \(index) has a name that is not UTF-8")
        }
        guard let dataType = DataType(rawValue: Int(typeCode)), dataType != .string else {
            throw fail("section '\(name)' has unsupported element type code \(typeCode)")
        }
        guard offset <= UInt64(Int.max), byteCount <= UInt64(Int.max) - offset else {
            throw fail("section '\(name)' has offset \(offset) and length \(byteCount), beyond any file")
        }
        var expected = dataType.byteSize
        for d in shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("section '\(name)' has shape \(shape), too many elements") }
            expected = product
        }
        guard expected == Int(byteCount) else {
            throw fail("section '\(name)' has \(byteCount) bytes, shape \(shape) of \(dataType) needs \(expected)")
        }
        return PlanSectionInfo(name: name, dataType: dataType, shape: shape, offset: Int(offset),
                               byteCount: Int(byteCount))
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }
}

/// A cursor over bytes whose reads return nil instead of reading past the end.
struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func u32() -> UInt32? { read(UInt32.self) }
    mutating func u64() -> UInt64? { read(UInt64.self) }
    mutating func i64() -> Int64? { read(Int64.self) }

    mutating func bytes(_ count: Int) -> UnsafeRawBufferPointer.SubSequence? {
        guard count >= 0, count <= remaining else { return nil }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    private mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
        guard MemoryLayout<T>.size <= remaining else { return nil }
        defer { position += MemoryLayout<T>.size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
    }
}

extension UnsafeRawBufferPointer {
    /// Reads a little-endian integer at `offset` (the caller has checked the bounds).
    func littleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
