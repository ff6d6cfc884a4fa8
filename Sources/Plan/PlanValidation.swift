import IR

/// The checks a plan passes before ``PlanFile`` hands out any byte of it, in
/// the order ``PlanFormat`` documents. All reads are bounds-checked first.
enum PlanValidation {
    typealias O = PlanFormat.Offset

    /// Magic, version, header checksum, file size and regions.
    static func header(_ bytes: UnsafeRawBufferPointer, file: String,
                       pathExtension: String) throws(PlanError) -> PlanHeader {
        let magic = PlanFormat.magic
        let prefix = min(bytes.count, magic.count)
        guard bytes.prefix(prefix).elementsEqual(magic.prefix(prefix)) else {
            let start = UnsafeRawBufferPointer(rebasing: bytes.prefix(512))
            throw .badMagic(file: file, looksLike: ForeignFile.describe(start, pathExtension: pathExtension))
        }
        guard bytes.count >= O.version + 4 else {
            throw .truncated(file: file, expected: PlanFormat.headerSize, actual: bytes.count)
        }
        let version = bytes.littleEndian(at: O.version, as: UInt32.self)
        if version > PlanFormat.version {
            throw .futureVersion(file: file, found: version, newestReadable: PlanFormat.version)
        }
        if version < PlanFormat.oldestReadableVersion {
            throw .obsoleteVersion(file: file, found: version, oldestReadable: PlanFormat.oldestReadableVersion)
        }
        guard bytes.count >= PlanFormat.headerSize else {
            throw .truncated(file: file, expected: PlanFormat.headerSize, actual: bytes.count)
        }
        let stored = bytes.littleEndian(at: O.headerChecksum, as: UInt64.self)
        let computed = XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[0..<O.headerChecksum]))
        guard stored == computed else { throw .headerChecksumMismatch(file: file, stored: stored, computed: computed) }
        return try fields(bytes, file: file)
    }

    /// Decodes the checksummed header fields and checks they describe this file.
    private static func fields(_ bytes: UnsafeRawBufferPointer, file: String) throws(PlanError) -> PlanHeader {
        func fail(_ reason: String) -> PlanError { .malformedHeader(file: file, reason: reason) }
        let headerSize = bytes.littleEndian(at: O.headerSize, as: UInt32.self)
        guard headerSize == UInt32(PlanFormat.headerSize) else { throw fail("header size \(headerSize), expected 128") }
        let flags = bytes.littleEndian(at: O.flags, as: UInt32.self)
        guard flags == 0 else { throw fail("unknown flags 0x\(String(flags, radix: 16))") }
        let size = bytes.littleEndian(at: O.fileSize, as: UInt64.self)
        if size > UInt64(bytes.count) { throw .truncated(file: file, expected: Int(clamping: size), actual: bytes.count) }
        if size < UInt64(bytes.count) { throw .trailingBytes(file: file, expected: Int(size), actual: bytes.count) }
        let fileSize = bytes.count
        func region(_ name: String, _ offsetField: Int, _ alignment: Int) throws(PlanError) -> Range<Int> {
            let offset = bytes.littleEndian(at: offsetField, as: UInt64.self)
            let length = bytes.littleEndian(at: offsetField + 8, as: UInt64.self)
            guard offset >= UInt64(PlanFormat.headerSize), offset <= UInt64(fileSize),
                  length <= UInt64(fileSize) - offset else {
                throw fail("the \(name) (offset \(offset), length \(length)) lies outside the \(fileSize)-byte file")
            }
            guard offset % UInt64(alignment) == 0 else { throw fail("the \(name) offset \(offset) is not \(alignment)-byte aligned") }
            return Int(offset)..<Int(offset + length)
        }
        let manifest = try region("manifest", O.manifestOffset, 1)
        let table = try region("section table", O.tableOffset, 8)
        let weights = try region("weights region", O.weightsOffset, PlanFormat.sectionAlignment)
        for (a, b) in [(manifest, table), (manifest, weights), (table, weights)] where a.overlaps(b) {
            throw fail("regions \(a) and \(b) overlap")
        }
        let versionBytes = bytes[O.writerVersion..<O.headerChecksum].prefix { $0 != 0 }
        return PlanHeader(formatVersion: bytes.littleEndian(at: O.version, as: UInt32.self), flags: flags,
                          fileSize: fileSize, manifestRange: manifest, sectionTableRange: table,
                          weightsRange: weights, bodyChecksum: bytes.littleEndian(at: O.bodyChecksum, as: UInt64.self),
                          writerVersion: String(decoding: versionBytes, as: UTF8.self))
    }

    /// The body checksum: XXH64 of every byte after the header.
    static func body(_ bytes: UnsafeRawBufferPointer, header: PlanHeader, file: String) throws(PlanError) {
        let computed = XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[PlanFormat.headerSize...]))
        guard computed == header.bodyChecksum else {
            throw .bodyChecksumMismatch(file: file, stored: header.bodyChecksum, computed: computed)
        }
    }

    /// Placement of every section: unique names, inside the weights region,
    /// aligned, not overlapping; `bool` bytes are 0 or 1. Returns the name index.
    static func sections(_ sections: [PlanSectionInfo], in bytes: UnsafeRawBufferPointer,
                         header: PlanHeader, file: String) throws(PlanError) -> [String: Int] {
        var index: [String: Int] = [:]
        let weights = header.weightsRange
        for (i, s) in sections.enumerated() {
            guard index.updateValue(i, forKey: s.name) == nil else { throw .duplicateSection(file: file, section: s.name) }
            guard s.offset >= weights.lowerBound, s.offset + s.byteCount <= weights.upperBound else {
                throw .sectionOutOfBounds(file: file, section: s.name, bytes: s.byteRange, weights: weights)
            }
            guard s.offset % PlanFormat.sectionAlignment == 0 else {
                throw .sectionMisaligned(file: file, section: s.name, offset: s.offset, alignment: PlanFormat.sectionAlignment)
            }
            if s.dataType == .bool, bytes[s.byteRange].contains(where: { $0 > 1 }) {
                throw .malformedSectionTable(file: file, reason: "bool section '\(s.name)' holds bytes other than 0 and 1")
            }
        }
        let placed = sections.filter { $0.byteCount > 0 }.sorted { $0.offset < $1.offset }
        for (a, b) in zip(placed, placed.dropFirst()) where a.byteRange.overlaps(b.byteRange) {
            throw .malformedSectionTable(file: file, reason: "sections '\(a.name)' and '\(b.name)' overlap")
        }
        return index
    }
}
