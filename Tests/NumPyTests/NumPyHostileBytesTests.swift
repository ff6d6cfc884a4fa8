import _TestSupport
import Foundation
import IR
import NumPy
import XCTest

/// Hostile bytes must give errors, never traps: every truncation of an `.npy`
/// file, and seeded random corruptions of both archive kinds.
final class NumPyHostileBytesTests: XCTestCase {
    func testEveryTruncationOfAnNpyFileThrows() throws {
        let good = try Data(contentsOf: Fixture.url("v1.npy"))
        for length in 0..<good.count {
            XCTAssertThrowsError(try NumPy.decodeArray(good.prefix(length), file: "t.npy", array: nil), "\(length)")
        }
    }

    func testRandomlyCorruptedArchivesNeverTrap() throws {
        let dir = try temporaryDirectory(self)
        var generator = SeededGenerator(seed: 7)
        for name in ["dtypes.npz", "dtypes_compressed.npz"] {
            let good = [UInt8](try Data(contentsOf: Fixture.url(name)))
            var failures = 0
            for trial in 0..<80 {
                var bytes = good
                for _ in 0..<Int.random(in: 1...8, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                if trial % 10 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator))) }
                let url = dir.appendingPathComponent("fuzz.npz")
                try Data(bytes).write(to: url)
                do {
                    _ = try NumPy.readArchive(contentsOf: url)
                } catch {
                    failures += 1
                }
            }
            XCTAssertGreaterThan(failures, 0, "corruption went undetected in every trial of \(name)")
        }
    }

    func testHostileZip64OffsetIsRejected() throws {
        // One stored entry whose central directory record points, through a ZIP64
        // extra field, to a local header at offset 2^63 (ZIPFoundation alone traps on it).
        let url = try temporaryDirectory(self).appendingPathComponent("zip64.npz")
        try Data(Self.zip(zip64Offset: 1 << 63)).write(to: url)
        assertNumPyError(try NumPy.readArchive(contentsOf: url)) {
            if case .invalidArchive(_, let r) = $0 { return r.contains("ZIP64") } else { return false }
        }
        // The same archive with a plain offset reads (the entry is not an array, so that error).
        try Data(Self.zip(zip64Offset: nil)).write(to: url)
        assertNumPyError(try NumPy.readArchive(contentsOf: url)) {
            if case .invalidEntry(_, "a.txt", _) = $0 { return true } else { return false }
        }
    }

    /// A minimal ZIP: one stored entry `a.txt` holding "hi", at offset 0 or at `zip64Offset` given as ZIP64.
    private static func zip(zip64Offset: UInt64?) -> [UInt8] {
        func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        let name = Array("a.txt".utf8), body = Array("hi".utf8)
        let crc: UInt64 = 0xD8932AAC  // CRC-32 of "hi"
        var out = le(0x0403_4B50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4)
        out += le(2, 4) + le(2, 4) + le(UInt64(name.count), 2) + le(0, 2) + name + body
        let cdStart = out.count
        let extra = zip64Offset.map { le(1, 2) + le(8, 2) + le($0, 8) } ?? []
        out += le(0x0201_4B50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(crc, 4)
        out += le(2, 4) + le(2, 4) + le(UInt64(name.count), 2) + le(UInt64(extra.count), 2) + le(0, 2)
        out += le(0, 2) + le(0, 2) + le(0, 4) + le(zip64Offset == nil ? 0 : 0xFFFF_FFFF, 4) + name + extra
        let cdSize = out.count - cdStart
        out += le(0x0605_4B50, 4) + le(0, 2) + le(0, 2) + le(1, 2) + le(1, 2)
        out += le(UInt64(cdSize), 4) + le(UInt64(cdStart), 4) + le(0, 2)
        return out
    }
}
