import Foundation
import IR
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A verified, memory-mapped `.plan` file.
///
/// Opening maps the whole file read-only and checks everything before
/// returning: magic, format version, header checksum, size, regions, the body
/// checksum (XXH64 over every byte after the header) and the section table
/// (bounds, 64-byte alignment, unique names, `bool` bytes 0 or 1). After
/// `init` succeeds nothing read from the file can fail or trap.
///
/// ## Ownership
///
/// The mapping belongs to the `PlanFile` and is unmapped when it is
/// deinitialized. Section bytes (``PlanSection/bytes``) point into the mapping
/// without copying; a ``PlanSection`` keeps its file alive, so its pointer is
/// valid as long as the section value or the file is alive. A raw pointer taken
/// out of either is not: Swift may release an object after its last use, so
/// keep the `PlanFile` in a stored property (as an engine does) or work inside
/// ``withSection(named:_:)`` or `withExtendedLifetime`.
///
/// The mapping is `PROT_READ` and never changes, so one `PlanFile` can be shared
/// by any number of execution contexts on any threads. Replacing the file on
/// disk with ``PlanWriter/write(to:)`` is safe (it renames a new inode into
/// place); truncating it in place while mapped is not (the kernel would raise
/// `SIGBUS` on access), which is why the writer never does that.
public final class PlanFile: @unchecked Sendable {
    // @unchecked: the only non-Sendable state is the pointer to a read-only
    // mapping that is immutable from init until deinit.

    /// The file the plan was read from.
    public let url: URL
    /// The decoded header.
    public let header: PlanHeader
    /// The manifest: UTF-8 JSON whose schema the Builder defines (a copy, not mapped).
    public let manifest: Data
    /// Every section, in file order.
    public let sections: [PlanSectionInfo]
    private let index: [String: Int]
    private let mapping: FileMapping

    /// Maps and verifies the plan at `url`; throws a ``PlanError`` naming the file
    /// for anything missing, foreign, truncated, corrupted or inconsistent.
    public init(contentsOf url: URL) throws(PlanError) {
        let file = url.relativePath
        let mapping = try FileMapping(path: url.path, file: file)
        let bytes = mapping.bytes
        let header = try PlanValidation.header(bytes, file: file, pathExtension: url.pathExtension)
        try PlanValidation.body(bytes, header: header, file: file)
        let table = UnsafeRawBufferPointer(rebasing: bytes[header.sectionTableRange])
        let sections = try PlanSectionTable.decode(table, file: file)
        self.index = try PlanValidation.sections(sections, in: bytes, header: header, file: file)
        self.url = url
        self.header = header
        self.manifest = Data(bytes[header.manifestRange])
        self.sections = sections
        self.mapping = mapping
    }

    /// The section names, in file order.
    public var sectionNames: [String] { sections.map(\.name) }

    /// The file's size in bytes.
    public var byteCount: Int { mapping.bytes.count }

    /// The whole mapped file, valid while this object lives (see Ownership above).
    public var mappedBytes: UnsafeRawBufferPointer { mapping.bytes }

    /// The manifest as text (for `inspect`).
    public var manifestText: String { String(decoding: manifest, as: UTF8.self) }

    /// Whether a section has this name.
    public func hasSection(named name: String) -> Bool { index[name] != nil }

    /// The named section: its description and a zero-copy view of its bytes.
    public func section(named name: String) throws(PlanError) -> PlanSection {
        guard let i = index[name] else {
            throw .sectionNotFound(file: url.relativePath, section: name, available: sections.count)
        }
        let info = sections[i]
        return PlanSection(info: info, bytes: UnsafeRawBufferPointer(rebasing: mapping.bytes[info.byteRange]), file: self)
    }

    /// Calls `body` with the named section while this file is guaranteed alive.
    public func withSection<R>(named name: String, _ body: (PlanSection) throws -> R) throws -> R {
        let section = try section(named: name)
        return try withExtendedLifetime(self) { try body(section) }
    }
}

/// A read-only, private mapping of a whole file, unmapped on deinit.
final class FileMapping: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    init(path: String, file: String) throws(PlanError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .notFound(file: file) }
            throw .unreadable(file: file, reason: PlanWriter.systemError())
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(file: file, reason: PlanWriter.systemError()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .unreadable(file: file, reason: "not a regular file") }
        let size = Int(info.st_size)
        guard size > 0 else { throw .empty(file: file) }
        // Pages are faulted in by the checksum pass; MAP_POPULATE measured no faster
        // (147 MB: 26 ms either way), and demand paging keeps the mapping lazy.
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0),
              base != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .unreadable(file: file, reason: "mmap: \(PlanWriter.systemError())")
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }
}
