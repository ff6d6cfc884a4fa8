import Foundation
import IR
@testable import NumPy
import XCTest

/// Reading arrays written by real NumPy (the committed fixtures).
final class NumPyReadTests: XCTestCase {
    private let expectedNames = Fixture.dtypeCodes + ["scalar", "empty", "vector", "i8_extremes", "u8_max",
                                                      "f4_special", "f2_special"]

    func testSavezEveryDType() throws {
        try checkDTypesArchive(NumPy.readArchive(contentsOf: Fixture.url("dtypes.npz")))
    }

    func testSavezCompressedEveryDType() throws {
        try checkDTypesArchive(NumPy.readArchive(contentsOf: Fixture.url("dtypes_compressed.npz")))
    }

    private func checkDTypesArchive(_ archive: NumPyArchive) {
        XCTAssertEqual(archive.names, expectedNames, "archive order is savez keyword order")
        for code in Fixture.dtypeCodes {
            XCTAssertEqual(archive[code], Fixture.base(code), code)
        }
        XCTAssertEqual(archive["scalar"], Tensor(scalar: Float(3.5)))
        XCTAssertEqual(archive["empty"], Tensor([Float](), shape: [0, 3]))
        XCTAssertEqual(archive["vector"], Tensor([Int64(0), 1, 2, 3], shape: [4]))
        XCTAssertEqual(archive["i8_extremes"], Tensor([Int64.min, Int64.max], shape: [2]))
        XCTAssertEqual(archive["u8_max"], Tensor(shape: [1], data: .uint64([UInt64.max])))
        let special = archive["f4_special"]?.floats ?? []
        XCTAssertEqual(special.count, 4)
        XCTAssertTrue(special[0].isNaN)
        XCTAssertEqual(Array(special[1...]), [.infinity, -.infinity, -0.0])
        XCTAssertEqual(special.last?.sign, .minus)
        let halves = archive["f2_special"]?.floatValues() ?? []
        XCTAssertEqual(halves, [65504, 6.1035156e-05, 5.9604645e-08, .infinity])
    }

    func testFormatVersions() throws {
        for version in 1...3 {
            let t = try NumPy.readArray(contentsOf: Fixture.url("v\(version).npy"))
            XCTAssertEqual(t, Fixture.base("f4"), "version \(version).0")
        }
    }

    func testReadArraysAcceptsLoneNpy() throws {
        let archive = try NumPy.readArrays(contentsOf: Fixture.url("v2.npy"))
        XCTAssertEqual(archive.names, ["v2"])
        XCTAssertEqual(archive["v2"], Fixture.base("f4"))
    }

    func testHeaderDictionaryParsing() throws {
        let h = try NPYHeader.parseDictionary(Array("{'descr': '<i8', 'fortran_order': False, 'shape': (3L, 4L), }".utf8))
        XCTAssertEqual(h, NPYHeader(descr: "<i8", fortranOrder: false, shape: [3, 4]))
        let spaced = try NPYHeader.parseDictionary(Array("{ \"shape\" : ( 5 , ) , \"fortran_order\":True,\"descr\":\"|u1\"}".utf8))
        XCTAssertEqual(spaced, NPYHeader(descr: "|u1", fortranOrder: true, shape: [5]))
        let scalar = try NPYHeader.parseDictionary(Array("{'descr': '<f4', 'fortran_order': False, 'shape': ()}".utf8))
        XCTAssertEqual(scalar.shape, [])
        for bad in ["{'descr': '<f4', 'shape': ()}", "{'descr': '<f4', 'fortran_order': 0, 'shape': ()}",
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "{'descr': '<f4'",
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}", "[1]",
                    "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
                    String(repeating: "(", count: 100)] {
            XCTAssertThrowsError(try NPYHeader.parseDictionary(Array(bad.utf8)), bad)
        }
    }
}
