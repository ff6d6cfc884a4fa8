import Foundation
import IR
import NumPy
import XCTest

/// One test per way a file can be wrong: each throws a one-line ``NumPyError``
/// naming the file (and the array, inside an archive).
final class NumPyErrorTests: XCTestCase {
    private func path(_ name: String) -> String { Fixture.url(name).relativePath }

    private func assertArrayError(_ name: String, _ check: (NumPyError) -> Bool,
                                  file: StaticString = #filePath, line: UInt = #line) {
        assertNumPyError(try NumPy.readArray(contentsOf: Fixture.url(name)), file: file, line: line, check)
    }

    func testMissingFile() {
        assertArrayError("nope.npy") { $0 == .unreadableFile(file: self.path("nope.npy"), reason: "no such file") }
        assertNumPyError(try NumPy.readArchive(contentsOf: Fixture.directory)) {
            if case .unreadableFile(_, "is a directory") = $0 { return true } else { return false }
        }
    }

    func testBigEndian() {
        assertArrayError("big_endian.npy") { $0 == .unsupportedDType(file: self.path("big_endian.npy"), array: nil, descr: ">f4") }
    }

    func testFortranOrder() {
        assertArrayError("fortran.npy") { $0 == .fortranOrder(file: self.path("fortran.npy"), array: nil) }
    }

    func testObjectArray() {
        assertArrayError("object.npy") { $0 == .unsupportedDType(file: self.path("object.npy"), array: nil, descr: "|O") }
    }

    func testStructuredDType() {
        assertArrayError("structured.npy") {
            if case .unsupportedDType(_, nil, let d) = $0 { return d.hasPrefix("[") } else { return false }
        }
    }

    func testUnicodeAndComplexDTypes() {
        assertArrayError("unicode.npy") { $0 == .unsupportedDType(file: self.path("unicode.npy"), array: nil, descr: "<U2") }
        assertArrayError("complex.npy") { $0 == .unsupportedDType(file: self.path("complex.npy"), array: nil, descr: "<c8") }
    }

    func testTruncatedData() {
        assertArrayError("truncated.npy") { $0 == .dataLength(file: self.path("truncated.npy"), array: nil, expected: 24, found: 19) }
    }

    func testDataLongerThanShape() {
        assertArrayError("too_long.npy") { $0 == .dataLength(file: self.path("too_long.npy"), array: nil, expected: 24, found: 28) }
    }

    func testTruncatedHeader() {
        assertArrayError("truncated_header.npy") {
            if case .invalidHeader(_, nil, let r) = $0 { return r.contains("header claims") } else { return false }
        }
    }

    func testNotAnNpyFile() {
        assertArrayError("not_npy.npy") {
            if case .invalidHeader(_, nil, let r) = $0 { return r.contains("magic") } else { return false }
        }
    }

    func testTruncatedArchive() {
        assertNumPyError(try NumPy.readArchive(contentsOf: Fixture.url("truncated.npz"))) {
            if case .invalidArchive(self.path("truncated.npz"), _) = $0 { return true } else { return false }
        }
    }

    func testCorruptEntryNamesTheArray() {
        assertNumPyError(try NumPy.readArchive(contentsOf: Fixture.url("corrupt.npz"))) {
            if case .corruptEntry(self.path("corrupt.npz"), "f4", _) = $0 { return true } else { return false }
        }
    }

    func testNonArrayEntry() {
        assertNumPyError(try NumPy.readArchive(contentsOf: Fixture.url("not_npy_entry.npz"))) {
            if case .invalidEntry(_, "readme.txt", _) = $0 { return true } else { return false }
        }
    }

    func testBadArrayInsideArchiveNamesIt() {
        assertNumPyError(try NumPy.readArchive(contentsOf: Fixture.url("bad_array.npz"))) {
            $0 == .unsupportedDType(file: self.path("bad_array.npz"), array: "speech", descr: ">f4")
        }
        let message = (try? NumPy.readArchive(contentsOf: Fixture.url("bad_array.npz"))).map { _ in "" }
        XCTAssertNil(message)
    }

    func testNpyFileIsNotAnArchive() {
        assertNumPyError(try NumPy.readArchive(contentsOf: Fixture.url("v1.npy"))) {
            if case .invalidArchive = $0 { return true } else { return false }
        }
    }

    func testUnwritableDestination() {
        let url = Fixture.url("no-such-dir/out.npz")
        assertNumPyError(try NumPy.writeArchive(NumPyArchive([("a", Tensor(scalar: Float(1)))]), to: url)) {
            if case .unwritableFile(url.relativePath, _) = $0 { return true } else { return false }
        }
    }

    func testDescriptionNamesFileAndArray() {
        let e = NumPyError.dataLength(file: "in.npz", array: "speech", expected: 10, found: 4)
        XCTAssertEqual(e.description, "in.npz: array 'speech': data has 4 bytes, the header's shape and dtype need 10")
    }
}
