import XCTest
@testable import Plan

final class XXH64Tests: XCTestCase {
    /// Published vectors (xxHash's own test suite) for seed 0.
    func testPublishedVectors() {
        XCTAssertEqual(XXH64.hash([]), 0xEF46_DB37_51D8_E999)
        XCTAssertEqual(XXH64.hash(Array("a".utf8)), 0xD24E_C4F1_A98C_6E5B)
        XCTAssertEqual(XXH64.hash(Array("abc".utf8)), 0x44BC_2CF5_AD77_0999)
    }

    /// Every tail length (0...70 covers stripes plus 8-, 4- and 1-byte tails), two seeds, larger inputs.
    func testAgainstPythonXXHash() {
        for (length, seed, expected) in xxh64ReferenceVectors {
            let data = Self.input(length)
            XCTAssertEqual(XXH64.hash(data, seed: seed), expected, "length \(length), seed \(seed)")
        }
    }

    /// Feeding the same bytes in pieces of any size gives the one-shot hash.
    func testStreamingMatchesOneShot() {
        let data = Self.input(10_007)
        let oneShot = XXH64.hash(data, seed: 7)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var hasher = XXH64(seed: 7)
            var start = 0
            while start < data.count {
                let end = min(data.count, start + Int.random(in: 0...70, using: &generator))
                data[start..<end].withUnsafeBytes { hasher.update($0) }
                start = end
            }
            XCTAssertEqual(hasher.digest(), oneShot)
        }
    }

    /// Unaligned starts read the same words as aligned ones.
    func testUnalignedInput() {
        let data = Self.input(1_000)
        let expected = XXH64.hash(Array(data[3...]))
        data.withUnsafeBytes { raw in
            XCTAssertEqual(XXH64.hash(UnsafeRawBufferPointer(rebasing: raw[3...])), expected)
        }
    }

    static func input(_ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) } }
}
