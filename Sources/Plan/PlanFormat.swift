/// The `.plan` container format, version 1.
///
/// A plan is a serialized engine: a JSON manifest (whose schema the Builder
/// owns) and named, typed, 64-byte-aligned weight sections. This module is only
/// the container; it knows nothing of layers or tactics.
///
/// ## Layout
///
/// All integers are little-endian. Offsets are absolute byte offsets from the
/// start of the file.
///
/// ```
/// ┌──────────────┬─────────────┬──────┬───────────────┬──────┬────────────────────────────┐
/// │ header (128) │ manifest    │ pad8 │ section table │ pad64│ weights: section, pad64, … │
/// └──────────────┴─────────────┴──────┴───────────────┴──────┴────────────────────────────┘
///   not in the     ◀──────────── body: covered by the body checksum (XXH64) ─────────────▶
///   body checksum
/// ```
///
/// ### Header (128 bytes)
///
/// | offset | size | field | notes |
/// | ---: | ---: | --- | --- |
/// | 0 | 12 | magic | `89 57 42 50 4C 41 4E 0D 0A 1A 0A 00` = `\x89 W B P L A N \r \n \x1A \n \0` |
/// | 12 | 4 | format version (`UInt32`) | 1; never moves, so any version can be recognised |
/// | 16 | 4 | header size (`UInt32`) | 128 |
/// | 20 | 4 | flags (`UInt32`) | 0; readers reject bits they do not know |
/// | 24 | 8 | file size (`UInt64`) | total bytes; catches truncation and appended bytes |
/// | 32 | 8 | manifest offset (`UInt64`) | 128 as written |
/// | 40 | 8 | manifest length (`UInt64`) | bytes of UTF-8 JSON |
/// | 48 | 8 | section table offset (`UInt64`) | 8-byte aligned |
/// | 56 | 8 | section table length (`UInt64`) | bytes |
/// | 64 | 8 | weights offset (`UInt64`) | 64-byte aligned |
/// | 72 | 8 | weights length (`UInt64`) | bytes, up to the end of the last section |
/// | 80 | 8 | body checksum (`UInt64`) | XXH64, seed 0, of bytes `[128, file size)` |
/// | 88 | 32 | writer version | UTF-8, NUL-padded, e.g. `workbench 0.1.0` |
/// | 120 | 8 | header checksum (`UInt64`) | XXH64, seed 0, of bytes `[0, 120)` |
///
/// The magic follows PNG's: the high byte `\x89` catches 7-bit transfers, the
/// `\r\n` catches CRLF→LF conversion, `\x1A` stops DOS `type`, the lone `\n`
/// catches LF→CRLF conversion and the trailing NUL catches tools that drop NULs.
///
/// ### Section table (at the table offset, 8-byte aligned)
///
/// ```
/// u32 section count, u32 reserved (0)
/// per section, each entry starting 8-byte aligned:
///   u32 name length in bytes (1...4096)
///   u32 element type (IR.DataType raw value = ONNX TensorProto code; not STRING)
///   u32 rank (0...64)
///   u32 reserved (0)
///   u64 offset      absolute, a multiple of 64, inside the weights region
///   u64 byte count  = product(shape) × element size
///   rank × i64 dims (each ≥ 0)
///   name (UTF-8), NUL-padded to a multiple of 8
/// ```
///
/// Section data is raw little-endian elements in row-major order; `bool` is one
/// byte (0 or 1); `float16`/`bfloat16` are their bit patterns. Padding bytes are 0.
///
/// ## Reading order
///
/// A reader checks, in this order: size ≥ 12 and the magic; the format version
/// (before the header checksum, because a future version may change everything
/// after offset 16); size ≥ 128; the header checksum; the file size; the
/// regions; the body checksum; the section table. Equal inputs give equal bytes:
/// nothing time- or machine-dependent is written.
public enum PlanFormat {
    /// The 12 magic bytes that open every plan.
    public static let magic: [UInt8] = [0x89, 0x57, 0x42, 0x50, 0x4C, 0x41, 0x4E, 0x0D, 0x0A, 0x1A, 0x0A, 0x00]
    /// The format version this build writes.
    public static let version: UInt32 = 1
    /// The oldest format version this build reads.
    public static let oldestReadableVersion: UInt32 = 1
    /// Bytes in the fixed header.
    public static let headerSize = 128
    /// Alignment of the weights region and of every section, in bytes (a cache line,
    /// and enough for any SIMD load).
    public static let sectionAlignment = 64
    /// Bytes reserved in the header for the writer version string.
    public static let writerVersionCapacity = 32
    /// The version string this build writes into the header.
    public static let workbenchVersion = "workbench \(workbenchRelease)"
    /// The workbench release (`workbench --version` prints it).
    public static let workbenchRelease = "0.1.0"
    /// Longest section name, in UTF-8 bytes.
    public static let maxSectionNameLength = 4096
    /// Highest section rank.
    public static let maxSectionRank = 64

    /// Field offsets inside the header.
    enum Offset {
        static let version = 12
        static let headerSize = 16
        static let flags = 20
        static let fileSize = 24
        static let manifestOffset = 32
        static let manifestLength = 40
        static let tableOffset = 48
        static let tableLength = 56
        static let weightsOffset = 64
        static let weightsLength = 72
        static let bodyChecksum = 80
        static let writerVersion = 88
        static let headerChecksum = 120
    }

    /// Rounds `value` up to a multiple of `alignment` (a power of two).
    static func align(_ value: Int, to alignment: Int) -> Int {
        (value + alignment - 1) & ~(alignment - 1)
    }
}

#if _endian(big)
#error("The plan format stores little-endian elements; big-endian hosts are not supported.")
#endif

/// The decoded fixed header of a plan.
public struct PlanHeader: Sendable, Equatable {
    /// The format version the file was written in.
    public var formatVersion: UInt32
    /// Reserved flags; 0 in version 1.
    public var flags: UInt32
    /// Total file size in bytes.
    public var fileSize: Int
    /// Where the UTF-8 JSON manifest lies.
    public var manifestRange: Range<Int>
    /// Where the section table lies.
    public var sectionTableRange: Range<Int>
    /// Where the weights region lies (64-byte aligned start).
    public var weightsRange: Range<Int>
    /// XXH64 (seed 0) of every byte after the header.
    public var bodyChecksum: UInt64
    /// The version string of the workbench that wrote the plan.
    public var writerVersion: String

    /// A header with the given fields (the writer computes them; tests craft them).
    public init(formatVersion: UInt32 = PlanFormat.version, flags: UInt32 = 0, fileSize: Int,
                manifestRange: Range<Int>, sectionTableRange: Range<Int>, weightsRange: Range<Int>,
                bodyChecksum: UInt64, writerVersion: String) {
        self.formatVersion = formatVersion
        self.flags = flags
        self.fileSize = fileSize
        self.manifestRange = manifestRange
        self.sectionTableRange = sectionTableRange
        self.weightsRange = weightsRange
        self.bodyChecksum = bodyChecksum
        self.writerVersion = writerVersion
    }

    /// The 128 header bytes, header checksum included. The writer version must
    /// fit in ``PlanFormat/writerVersionCapacity`` bytes (the writer checks).
    func encoded() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: PlanFormat.headerSize)
        bytes.replaceSubrange(0..<PlanFormat.magic.count, with: PlanFormat.magic)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { raw in
                for (i, b) in raw.enumerated() { bytes[offset + i] = b }
            }
        }
        typealias O = PlanFormat.Offset
        put(formatVersion, at: O.version)
        put(UInt32(PlanFormat.headerSize), at: O.headerSize)
        put(flags, at: O.flags)
        put(UInt64(fileSize), at: O.fileSize)
        put(UInt64(manifestRange.lowerBound), at: O.manifestOffset)
        put(UInt64(manifestRange.count), at: O.manifestLength)
        put(UInt64(sectionTableRange.lowerBound), at: O.tableOffset)
        put(UInt64(sectionTableRange.count), at: O.tableLength)
        put(UInt64(weightsRange.lowerBound), at: O.weightsOffset)
        put(UInt64(weightsRange.count), at: O.weightsLength)
        put(bodyChecksum, at: O.bodyChecksum)
        let version = Array(writerVersion.utf8.prefix(PlanFormat.writerVersionCapacity))
        bytes.replaceSubrange(O.writerVersion..<(O.writerVersion + version.count), with: version)
        let checksum = bytes.withUnsafeBytes { XXH64.hash(UnsafeRawBufferPointer(rebasing: $0[0..<O.headerChecksum])) }
        put(checksum, at: O.headerChecksum)
        return bytes
    }
}
