/// A structural check of a ZIP file run before ZIPFoundation reads it.
///
/// ZIPFoundation trusts the offsets and sizes in the central directory and
/// converts them to `off_t`/`Int64` unchecked, which traps on hostile values
/// (a ZIP64 field of 2^63 or more). This walk bounds every offset and size by
/// the file's length first, so a corrupt archive becomes an error instead.
///
///     [local header + data]...  [central directory records]  [ZIP64 EOCD, locator]  EOCD
enum ZIPPreflight {
    struct Problem: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Values larger than this in ZIP64 fields are rejected (1 TiB).
    private static let sizeLimit: UInt64 = 1 << 40

    /// Checks the directory structure and returns the number of entries it declares.
    static func check(_ bytes: UnsafeRawBufferPointer) throws(Problem) -> Int {
        let r = Reader(bytes: bytes)
        guard let eocd = findEndOfCentralDirectory(r) else {
            throw Problem("no end-of-central-directory record (truncated or not a ZIP file)")
        }
        var entries = UInt64(r.u16(eocd + 10)!)
        var cdSize = UInt64(r.u32(eocd + 12)!)
        var cdOffset = UInt64(r.u32(eocd + 16)!)
        if eocd >= 20, r.u32(eocd - 20) == 0x0706_4B50 {
            guard let at = r.u64(eocd - 12), at <= UInt64(eocd - 20), let e64 = Int(exactly: at),
                  r.u32(e64) == 0x0606_4B50, let n = r.u64(e64 + 32), let s = r.u64(e64 + 40),
                  let o = r.u64(e64 + 48) else { throw Problem("invalid ZIP64 end-of-central-directory record") }
            (entries, cdSize, cdOffset) = (n, s, o)
        }
        let length = UInt64(bytes.count)
        guard cdOffset <= length, cdSize <= length - cdOffset else {
            throw Problem("central directory (\(cdSize) bytes at \(cdOffset)) lies outside the \(length)-byte file")
        }
        guard entries <= cdSize / 46 else { throw Problem("central directory is too small for \(entries) entries") }
        var pos = Int(cdOffset)
        let end = Int(cdOffset + cdSize)
        for index in 0..<Int(entries) {
            pos = try checkRecord(r, at: pos, end: end, index: index)
        }
        return Int(entries)
    }

    /// Checks one central directory record and its local header; returns the next record's offset.
    private static func checkRecord(_ r: Reader, at pos: Int, end: Int, index: Int) throws(Problem) -> Int {
        guard pos + 46 <= end, r.u32(pos) == 0x0201_4B50, let nameLength = r.u16(pos + 28),
              let extraLength = r.u16(pos + 30), let commentLength = r.u16(pos + 32) else {
            throw Problem("central directory record \(index) is malformed")
        }
        let next = pos + 46 + nameLength + extraLength + commentLength
        guard next <= end else { throw Problem("central directory record \(index) overruns the directory") }
        let zip64 = try zip64Values(r, extraAt: pos + 46 + nameLength, length: extraLength, index: index)
        var localOffset = UInt64(r.u32(pos + 42)!)
        if localOffset == 0xFFFF_FFFF {
            // Present ZIP64 values follow the order: uncompressed, compressed, offset.
            let skipped = (r.u32(pos + 24) == 0xFFFF_FFFF ? 1 : 0) + (r.u32(pos + 20) == 0xFFFF_FFFF ? 1 : 0)
            guard skipped < zip64.count else { throw Problem("entry \(index) lacks its ZIP64 offset") }
            localOffset = zip64[skipped]
        }
        guard localOffset <= UInt64(r.bytes.count), let local = Int(exactly: localOffset), local + 30 <= r.bytes.count,
              r.u32(local) == 0x0403_4B50, let localName = r.u16(local + 26), let localExtra = r.u16(local + 28),
              local + 30 + localName + localExtra <= r.bytes.count else {
            throw Problem("entry \(index) has no valid local header")
        }
        _ = try zip64Values(r, extraAt: local + 30 + localName, length: localExtra, index: index)
        return next
    }

    /// The 8-byte values of a ZIP64 extra field (id 1) in an extra area, bounded by ``sizeLimit``.
    private static func zip64Values(_ r: Reader, extraAt start: Int, length: Int, index: Int) throws(Problem) -> [UInt64] {
        var pos = start
        var values: [UInt64] = []
        while pos + 4 <= start + length {
            let id = r.u16(pos)!, size = r.u16(pos + 2)!
            guard pos + 4 + size <= start + length else { throw Problem("entry \(index) has a malformed extra field") }
            if id == 1 {
                var p = pos + 4
                while p + 8 <= pos + 4 + size {
                    let v = r.u64(p)!
                    guard v <= sizeLimit else { throw Problem("entry \(index) has an implausible ZIP64 size or offset \(v)") }
                    values.append(v)
                    p += 8
                }
            }
            pos += 4 + size
        }
        return values
    }

    private static func findEndOfCentralDirectory(_ r: Reader) -> Int? {
        guard r.bytes.count >= 22 else { return nil }
        let last = r.bytes.count - 22
        let first = max(0, last - 65535)
        for pos in stride(from: last, through: first, by: -1) where r.u32(pos) == 0x0605_4B50 {
            return pos
        }
        return nil
    }

    /// Bounds-checked little-endian reads.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer

        func u16(_ at: Int) -> Int? { uint(at, 2).map { Int($0) } }
        func u32(_ at: Int) -> UInt32? { uint(at, 4).map { UInt32($0) } }
        func u64(_ at: Int) -> UInt64? { uint(at, 8) }

        private func uint(_ at: Int, _ size: Int) -> UInt64? {
            guard at >= 0, at <= bytes.count - size else { return nil }
            var v: UInt64 = 0
            for i in 0..<size { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            return v
        }
    }
}
