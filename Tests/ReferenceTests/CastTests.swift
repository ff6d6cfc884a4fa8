import XCTest
import IR
import Reference
import _TestSupport

final class CastTests: XCTestCase {
    typealias H = ElemHarness

    func cast(_ t: Tensor, _ to: DataType) throws -> Tensor {
        try H.run1("Cast", [t], ["to": .int(to.rawValue)])
    }

    func testFloatToIntegerTruncatesTowardZero() throws {
        let x = Tensor([-2.7, -1.5, -0.4, 0.4, 1.5, 2.7, .nan] as [Float], shape: [7])
        XCTAssertEqual(try cast(x, .int64).int64s, [-2, -1, 0, 0, 1, 2, 0])
        XCTAssertEqual(try cast(x, .int32).int32s, [-2, -1, 0, 0, 1, 2, 0])
        XCTAssertEqual(try cast(Tensor([1e30, -1e30] as [Float], shape: [2]), .int64).int64s, [.max, .min])
        XCTAssertEqual(try cast(Tensor([300, -1] as [Float], shape: [2]), .uint8).data, .uint8([44, 255]))
    }

    func testIntegerConversionsWrapAndBoolIsNonZero() throws {
        let x = Tensor([-1, 0, 256, 70000] as [Int64], shape: [4])
        XCTAssertEqual(try cast(x, .int8).data, .int8([-1, 0, 0, 112]))
        XCTAssertEqual(try cast(x, .uint16).data, .uint16([65535, 0, 256, 4464]))
        XCTAssertEqual(try cast(x, .bool).bools, [true, false, true, true])
        XCTAssertEqual(try cast(Tensor([true, false], shape: [2]), .float32).floats, [1, 0])
        XCTAssertEqual(try cast(Tensor(shape: [1], data: .uint64([.max])), .float64).data, .float64([18_446_744_073_709_551_615.0]))
    }

    func testHalfTypesRoundToNearestEven() throws {
        let x = Tensor([1, -2, 65504, 1e6, 1.0009765625 / 2 + 0.5] as [Float], shape: [5])
        XCTAssertEqual(try cast(x, .float16).data, .float16([0x3C00, 0xC000, 0x7BFF, 0x7C00, 0x3C00]))
        XCTAssertEqual(try cast(Tensor([1, 3.0078125] as [Float], shape: [2]), .bfloat16).data, .bfloat16([0x3F80, 0x4040]))
        let back = try cast(Tensor(shape: [2], data: .float16([0x3C00, 0x3555])), .float32)
        XCTAssertEqual(back.floats, [1, 0.333251953125])
    }

    func testStringsParseAndPrint() throws {
        let s = Tensor(shape: [4], data: .string(["1.5", " -2 ", "inf", "NaN"]))
        let f = try cast(s, .float32).floats!
        XCTAssertEqual(Array(f.prefix(3)), [1.5, -2, .infinity])
        XCTAssertTrue(f[3].isNaN)
        XCTAssertEqual(try cast(Tensor(shape: [2], data: .string(["7", "-12"])), .int64).int64s, [7, -12])
        XCTAssertEqual(try cast(Tensor([0.5, 3] as [Float], shape: [2]), .string).data, .string(["0.5", "3.0"]))
        XCTAssertEqual(try cast(Tensor([42] as [Int32], shape: [1]), .string).data, .string(["42"]))
        let message = H.message { try self.cast(Tensor(shape: [1], data: .string(["abc"])), .float32) }
        XCTAssertTrue(message.contains("node0") && message.contains("'abc'"), message)
    }

    func testCastLikeTakesTheSecondInputsType() throws {
        let out = try H.run1("CastLike", [Tensor([1.9, -1.9] as [Float], shape: [2]), Tensor([0] as [Int32], shape: [1])])
        XCTAssertEqual(out.int32s, [1, -1])
    }

    func testUnsupportedTargetsAreNamed() {
        let message = H.message { try H.run1("Cast", [Tensor(scalar: Float(1))], ["to": .int(17)]) }
        XCTAssertTrue(message.contains("node0") && message.contains("17"), message)
        let missing = H.message { try H.run1("Cast", [Tensor(scalar: Float(1))]) }
        XCTAssertTrue(missing.contains("'to'"), missing)
    }
}
