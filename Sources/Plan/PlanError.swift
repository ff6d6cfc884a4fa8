import IR

/// Errors reading or writing `.plan` files.
///
/// Every reader case carries the file, so a command line can print
/// ``description`` as one line: `encoder.plan: corrupted: body checksum is
/// 0x1234…, the header says 0xabcd… (rebuild the engine)`.
public enum PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No file at the path.
    case notFound(file: String)
    /// The file exists but cannot be opened, sized or mapped.
    case unreadable(file: String, reason: String)
    /// The file has no bytes at all.
    case empty(file: String)
    /// The file ends early: it has `actual` bytes where `expected` are needed.
    case truncated(file: String, expected: Int, actual: Int)
    /// The file is longer than its header says.
    case trailingBytes(file: String, expected: Int, actual: Int)
    /// The file does not start with the plan magic; `looksLike` says what it seems to be.
    case badMagic(file: String, looksLike: String?)
    /// The plan was written in a newer format than this build reads.
    case futureVersion(file: String, found: UInt32, newestReadable: UInt32)
    /// The plan was written in an older format than this build reads.
    case obsoleteVersion(file: String, found: UInt32, oldestReadable: UInt32)
    /// The header's own checksum does not match its bytes.
    case headerChecksumMismatch(file: String, stored: UInt64, computed: UInt64)
    /// The bytes after the header do not match the header's checksum.
    case bodyChecksumMismatch(file: String, stored: UInt64, computed: UInt64)
    /// Header fields that are inconsistent (regions outside the file, overlapping, misaligned).
    case malformedHeader(file: String, reason: String)
    /// The section table cannot be parsed, or an entry is inconsistent.
    case malformedSectionTable(file: String, reason: String)
    /// A section's bytes lie outside the weights region.
    case sectionOutOfBounds(file: String, section: String, bytes: Range<Int>, weights: Range<Int>)
    /// A section does not start on a ``PlanFormat/sectionAlignment`` boundary.
    case sectionMisaligned(file: String, section: String, offset: Int, alignment: Int)
    /// Two sections share a name.
    case duplicateSection(file: String, section: String)
    /// No section has the requested name.
    case sectionNotFound(file: String, section: String, available: Int)
    /// A section was read as a Swift type that does not match its element type.
    case sectionType(file: String, section: String, dataType: DataType, requested: String)
    /// The manifest is not valid JSON for the requested type.
    case invalidManifest(file: String, type: String, reason: String)
    /// The writer was given something a plan cannot hold (reason names the section or field).
    case invalidWriterInput(reason: String)
    /// The plan could not be written.
    case unwritable(file: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let f): return "\(f): no such file"
        case .unreadable(let f, let r): return "\(f): cannot read: \(r)"
        case .empty(let f): return "\(f): the file is empty, not a plan"
        case .truncated(let f, let e, let a):
            return "\(f): truncated: the file has \(a) bytes, a complete plan has \(e) (rebuild the engine or copy it again)"
        case .trailingBytes(let f, let e, let a):
            return "\(f): the file has \(a) bytes but its header says \(e): \(a - e) extra bytes were appended"
        case .badMagic(let f, let looks):
            return "\(f): not a workbench plan" + (looks.map { ": it looks like \($0)" } ?? " (unknown file type)")
        case .futureVersion(let f, let v, let newest):
            return "\(f): plan format version \(v) is newer than this build reads (version \(newest));"
                + " rebuild the engine with this workbench, or upgrade the workbench"
        case .obsoleteVersion(let f, let v, let oldest):
            return "\(f): plan format version \(v) is older than this build reads (version \(oldest) or later);"
                + " rebuild the engine with this workbench"
        case .headerChecksumMismatch(let f, let s, let c):
            return "\(f): corrupted header: its checksum is \(Self.hex(c)), the header says \(Self.hex(s))"
        case .bodyChecksumMismatch(let f, let s, let c):
            return "\(f): corrupted: the body checksum is \(Self.hex(c)), the header says \(Self.hex(s)) (rebuild the engine)"
        case .malformedHeader(let f, let r): return "\(f): malformed header: \(r)"
        case .malformedSectionTable(let f, let r): return "\(f): malformed section table: \(r)"
        case .sectionOutOfBounds(let f, let s, let b, let w):
            return "\(f): section '\(s)' (bytes \(b.lowerBound)..<\(b.upperBound)) lies outside the weights region"
                + " (bytes \(w.lowerBound)..<\(w.upperBound))"
        case .sectionMisaligned(let f, let s, let o, let a):
            return "\(f): section '\(s)' starts at byte \(o), which is not a multiple of \(a)"
        case .duplicateSection(let f, let s): return "\(f): two sections are named '\(s)'"
        case .sectionNotFound(let f, let s, let n):
            return "\(f): no section named '\(s)' (the plan has \(n) section\(n == 1 ? "" : "s"))"
        case .sectionType(let f, let s, let t, let r):
            return "\(f): section '\(s)' holds \(t) elements and cannot be read as \(r)"
        case .invalidManifest(let f, let t, let r): return "\(f): manifest is not a valid \(t): \(r)"
        case .invalidWriterInput(let r): return "plan writer: \(r)"
        case .unwritable(let f, let r): return "\(f): cannot write plan: \(r)"
        }
    }

    private static func hex(_ v: UInt64) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}
