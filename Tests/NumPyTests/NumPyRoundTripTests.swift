import Foundation
import IR
@testable import NumPy
import XCTest

/// Swift writes, Swift reads back: every dtype, shapes from scalar to rank 4.
final class NumPyRoundTripTests: XCTestCase {
    private var samples: [(String, Tensor)] {
        var list = Fixture.dtypeCodes.map { ($0, Fixture.base($0)) }
        list.append(("scalar", Tensor(scalar: Int64(-7))))
        list.append(("empty", Tensor(shape: [2, 0, 3], data: .float64([]))))
        list.append(("rank4", Tensor((0..<120).map { Float($0) / 7 }, shape: [2, 3, 4, 5])))
        return list
    }

    func testArchiveRoundTripKeepsOrderAndValues() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("out.npz")
        let archive = NumPyArchive(samples.reversed())
        try NumPy.writeArchive(archive, to: url)
        let back = try NumPy.readArchive(contentsOf: url)
        XCTAssertEqual(back.names, samples.reversed().map(\.0))
        XCTAssertEqual(back, archive)
    }

    func testArchiveOverwriteIsAtomicAndLeavesNoTemporaryFile() throws {
        let dir = try temporaryDirectory(self)
        let url = dir.appendingPathComponent("out.npz")
        try NumPy.writeArchive(NumPyArchive([("a", Tensor([Float(1)], shape: [1]))]), to: url)
        try NumPy.writeArchive(NumPyArchive([("b", Tensor([Int32(2)], shape: [1]))]), to: url)
        XCTAssertEqual(try NumPy.readArchive(contentsOf: url).names, ["b"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.npz"])
    }

    func testNpyRoundTripEveryDType() throws {
        let dir = try temporaryDirectory(self)
        for (name, tensor) in samples {
            let url = dir.appendingPathComponent("\(name).npy")
            try NumPy.writeArray(tensor, to: url)
            XCTAssertEqual(try NumPy.readArray(contentsOf: url), tensor, name)
        }
    }

    func testWrittenHeaderMatchesNumPyByteForByte() throws {
        // NumPy's own file for base("f4") (format 1.0, header padded to 64 bytes).
        let numpyBytes = try Data(contentsOf: Fixture.url("v1.npy"))
        XCTAssertEqual(try NumPy.encodeArray(Fixture.base("f4"), file: "x", array: "x"), numpyBytes)
    }

    func testVeryLongHeaderUsesVersion2() throws {
        let shape = [Int](repeating: 1, count: 25_000)  // header text > 65535 bytes
        let tensor = Tensor([Float(4)], shape: shape)
        let data = try NumPy.encodeArray(tensor, file: "x", array: "x")
        XCTAssertEqual(data[6], 2)
        XCTAssertEqual((data.count - 4) % 64, 0, "data starts 64-byte aligned")
        XCTAssertEqual(try NumPy.decodeArray(data, file: "x", array: nil), tensor)
    }

    func testHalfFloatBitsSurvive() throws {
        let bits: [UInt16] = [0x0000, 0x8000, 0x3C00, 0x7BFF, 0x0001, 0x7C00, 0xFC00, 0x7E00]
        let tensor = Tensor(shape: [8], data: .float16(bits))
        let data = try NumPy.encodeArray(tensor, file: "x", array: "h")
        XCTAssertEqual(try NumPy.decodeArray(data, file: "x", array: "h"), tensor)
    }

    func testStringAndBFloat16AreRejectedOnWrite() throws {
        let url = try temporaryDirectory(self).appendingPathComponent("bad.npz")
        assertNumPyError(try NumPy.writeArchive(NumPyArchive([("s", Tensor(shape: [1], data: .string(["x"])))]), to: url)) {
            $0 == .unsupportedTensorType(file: url.relativePath, array: "s", dataType: .string)
        }
        assertNumPyError(try NumPy.encodeArray(Tensor(shape: [1], data: .bfloat16([0])), file: "f", array: "b")) {
            $0 == .unsupportedTensorType(file: "f", array: "b", dataType: .bfloat16)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testArchiveEditing() {
        var archive = NumPyArchive()
        archive["b"] = Tensor(scalar: Float(1))
        archive["a"] = Tensor(scalar: Float(2))
        archive["b"] = Tensor(scalar: Float(3))
        XCTAssertEqual(archive.names, ["b", "a"])
        archive["b"] = nil
        XCTAssertEqual(archive.map(\.name), ["a"])
        XCTAssertEqual(NumPyArchive(["z": Tensor(scalar: Float(0)), "y": Tensor(scalar: Float(0))]).names, ["y", "z"])
    }
}
