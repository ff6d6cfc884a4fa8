import Foundation
import IR
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PlanWriter {
    /// Writes the plan to `url` atomically.
    ///
    /// The bytes go to a temporary file in the same directory, which is
    /// flushed to disk (`fsync`) and then renamed over `url` (`rename(2)` is
    /// atomic within a file system). Readers see either the old file or the
    /// complete new one, never a partial plan; on any failure, including an
    /// error thrown by a section's `fill` closure, the temporary file is removed
    /// and an existing file at `url` is left as it was. A process that has the
    /// old plan mapped keeps reading the old bytes (the rename makes a new inode).
    ///
    /// Throws ``PlanError/unwritable(file:reason:)`` for I/O failures,
    /// ``PlanError/invalidWriterInput(reason:)`` for a writer version longer than
    /// 32 bytes, and rethrows errors from `fill` closures unchanged.
    public func write(to url: URL) throws {
        let file = url.relativePath
        guard writerVersion.utf8.count <= PlanFormat.writerVersionCapacity else {
            throw PlanError.invalidWriterInput(
                reason: "writer version '\(writerVersion)' is longer than \(PlanFormat.writerVersionCapacity) UTF-8 bytes")
        }
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).\(String(UInt64.random(in: 0...UInt64.max), radix: 36)).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PlanError.unwritable(file: file, reason: Self.systemError()) }
        var sink = FileSink(fd: fd, file: file)
        do {
            try writeContents(to: &sink)
            guard fsync(fd) == 0 else { throw PlanError.unwritable(file: file, reason: "fsync: \(Self.systemError())") }
            guard close(fd) == 0 else {
                sink.isClosed = true
                throw PlanError.unwritable(file: file, reason: "close: \(Self.systemError())")
            }
            sink.isClosed = true
            guard rename(temporary.path, url.path) == 0 else {
                throw PlanError.unwritable(file: file, reason: Self.systemError())
            }
        } catch {
            if !sink.isClosed { close(fd) }
            unlink(temporary.path)
            throw error
        }
        Self.syncDirectory(directory)
    }

    /// Streams header placeholder, body and finally the real header into `sink`.
    private func writeContents(to sink: inout FileSink) throws {
        var (header, table) = layout()
        try sink.write([UInt8](repeating: 0, count: PlanFormat.headerSize), hashed: false)
        try manifest.withUnsafeBytes { try sink.write($0) }
        try sink.pad(to: header.sectionTableRange.lowerBound)
        try sink.write(PlanSectionTable.encode(table))
        var scratch = ScratchBuffer()
        defer { scratch.release() }
        for (section, info) in zip(sections, table) {
            try sink.pad(to: info.offset)
            switch section.source {
            case .data(let data):
                try data.withUnsafeBytes { try sink.write($0) }
            case .tensor(let data):
                try Self.withBytes(of: data) { try sink.write($0) }
            case .provider(let fill):
                let buffer = scratch.zeroed(byteCount: info.byteCount)
                try fill(buffer)
                try sink.write(UnsafeRawBufferPointer(buffer))
            }
        }
        try sink.pad(to: header.fileSize)
        header.bodyChecksum = sink.hasher.digest()
        try sink.write(header.encoded(), at: 0)
    }

    /// The raw element bytes of numeric tensor data (strings are rejected when added).
    private static func withBytes(of data: TensorData, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch data {
        case .float32(let a): try a.withUnsafeBytes(body)
        case .float64(let a): try a.withUnsafeBytes(body)
        case .float16(let a), .bfloat16(let a), .uint16(let a): try a.withUnsafeBytes(body)
        case .int8(let a): try a.withUnsafeBytes(body)
        case .uint8(let a): try a.withUnsafeBytes(body)
        case .int16(let a): try a.withUnsafeBytes(body)
        case .int32(let a): try a.withUnsafeBytes(body)
        case .uint32(let a): try a.withUnsafeBytes(body)
        case .int64(let a): try a.withUnsafeBytes(body)
        case .uint64(let a): try a.withUnsafeBytes(body)
        case .bool(let a): try a.withUnsafeBytes(body)  // Swift stores Bool as one byte, 0 or 1
        case .string: try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    /// Flushes the directory entry of the rename; file systems that cannot sync
    /// a directory are not an error (the rename itself has happened).
    private static func syncDirectory(_ directory: URL) {
        let fd = open(directory.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func systemError() -> String { String(cString: strerror(errno)) }
}

/// A file descriptor written front to back, hashing every body byte with XXH64.
private struct FileSink {
    let fd: Int32
    let file: String
    var hasher = XXH64()
    var position = 0
    var isClosed = false

    init(fd: Int32, file: String) {
        self.fd = fd
        self.file = file
    }

    mutating func write(_ bytes: [UInt8], hashed: Bool = true) throws {
        try bytes.withUnsafeBytes { try write($0, hashed: hashed) }
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer, hashed: Bool = true) throws(PlanError) {
        if hashed { hasher.update(bytes) }
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw .unwritable(file: file, reason: PlanWriter.systemError())
            }
            done += n
        }
        position += bytes.count
    }

    /// Writes zero bytes up to `offset`.
    mutating func pad(to offset: Int) throws {
        guard offset > position else { return }
        try write([UInt8](repeating: 0, count: offset - position))
    }

    /// Overwrites bytes at `offset` (the header, last), not hashed.
    func write(_ bytes: [UInt8], at offset: Int) throws(PlanError) {
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard n == bytes.count else { throw .unwritable(file: file, reason: PlanWriter.systemError()) }
    }
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

/// One reusable 64-byte-aligned buffer for `fill` sections, grown to the largest.
private struct ScratchBuffer {
    private var storage: UnsafeMutableRawBufferPointer?

    mutating func zeroed(byteCount: Int) -> UnsafeMutableRawBufferPointer {
        if (storage?.count ?? -1) < byteCount {
            storage?.deallocate()
            storage = .allocate(byteCount: max(byteCount, 1), alignment: PlanFormat.sectionAlignment)
        }
        let buffer = UnsafeMutableRawBufferPointer(rebasing: storage![0..<byteCount])
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        return buffer
    }

    mutating func release() {
        storage?.deallocate()
        storage = nil
    }
}
