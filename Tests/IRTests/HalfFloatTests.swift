import XCTest
@testable import IR

final class HalfFloatTests: XCTestCase {
    func testEveryFloat16PatternRoundTrips() {
        for bits in 0...UInt16.max {
            let f = HalfFloat.float16ToFloat(bits)
            let back = HalfFloat.floatToFloat16(f)
            if f.isNaN {
                XCTAssertTrue(HalfFloat.float16ToFloat(back).isNaN, "NaN \(bits) lost")
            } else {
                XCTAssertEqual(back, bits, "float16 \(bits) → \(f) → \(back)")
            }
        }
    }

    func testFloat16SpecialValuesAndSubnormals() {
        XCTAssertEqual(HalfFloat.float16ToFloat(0x0001), Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(HalfFloat.float16ToFloat(0x03FF), Float(0x3FF) * Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(HalfFloat.float16ToFloat(0x8000).sign, .minus)
        XCTAssertEqual(HalfFloat.float16ToFloat(0x7C00), .infinity)
        XCTAssertEqual(HalfFloat.float16ToFloat(0xFC00), -.infinity)
        XCTAssertEqual(HalfFloat.float16ToFloat(0x7BFF), 65504)
        XCTAssertEqual(HalfFloat.floatToFloat16(.infinity), 0x7C00)
        XCTAssertEqual(HalfFloat.floatToFloat16(65520), 0x7C00)  // rounds past the largest finite
        XCTAssertEqual(HalfFloat.floatToFloat16(65519), 0x7BFF)
        XCTAssertTrue(HalfFloat.float16ToFloat(HalfFloat.floatToFloat16(.nan)).isNaN)
        // Round to nearest even: halfway cases go to the even neighbour.
        XCTAssertEqual(HalfFloat.floatToFloat16(1 + 0x1p-11), 0x3C00)
        XCTAssertEqual(HalfFloat.floatToFloat16(1 + 3 * 0x1p-11), 0x3C02)
        // Subnormal results, ties to even at the bottom, underflow to signed zero.
        XCTAssertEqual(HalfFloat.floatToFloat16(0x1p-25), 0x0000)
        XCTAssertEqual(HalfFloat.floatToFloat16(0x1.8p-25), 0x0001)
        XCTAssertEqual(HalfFloat.floatToFloat16(3 * 0x1p-25), 0x0002)
        XCTAssertEqual(HalfFloat.floatToFloat16(-0x1p-30), 0x8000)
        XCTAssertEqual(HalfFloat.floatToFloat16(Float.leastNonzeroMagnitude), 0x0000)
        // The largest subnormal rounding up carries into the smallest normal.
        XCTAssertEqual(HalfFloat.floatToFloat16(0x1p-14 - 0x1p-26), 0x0400)
    }

    func testEveryBFloat16PatternRoundTrips() {
        for bits in 0...UInt16.max {
            let f = HalfFloat.bfloat16ToFloat(bits)
            let back = HalfFloat.floatToBFloat16(f)
            if f.isNaN {
                XCTAssertTrue(HalfFloat.bfloat16ToFloat(back).isNaN, "NaN \(bits) lost")
            } else {
                XCTAssertEqual(back, bits)
            }
        }
    }

    func testBFloat16RoundingAndSpecials() {
        XCTAssertEqual(HalfFloat.floatToBFloat16(1 + 0x1p-8), 0x3F80)  // tie → even
        XCTAssertEqual(HalfFloat.floatToBFloat16(1 + 3 * 0x1p-8), 0x3F82)  // tie → even (up)
        XCTAssertEqual(HalfFloat.floatToBFloat16(1 + 0x1p-8 + 0x1p-20), 0x3F81)
        XCTAssertEqual(HalfFloat.floatToBFloat16(.infinity), 0x7F80)
        XCTAssertEqual(HalfFloat.floatToBFloat16(-.infinity), 0xFF80)
        XCTAssertEqual(HalfFloat.floatToBFloat16(.greatestFiniteMagnitude), 0x7F80)
        XCTAssertTrue(HalfFloat.bfloat16ToFloat(HalfFloat.floatToBFloat16(.nan)).isNaN)
        // A NaN whose payload sits only in the low bits must not become infinity.
        let lowNaN = Float(bitPattern: 0x7F80_0001)
        XCTAssertTrue(HalfFloat.bfloat16ToFloat(HalfFloat.floatToBFloat16(lowNaN)).isNaN)
        XCTAssertEqual(HalfFloat.bfloat16ToFloat(0x0001), Float(bitPattern: 0x0001_0000))  // subnormal
    }

    func testTensorDecodesHalfTypes() {
        let t = Tensor(shape: [3], data: .float16([0x3C00, 0xC000, 0x0001]))
        XCTAssertEqual(t.floatValues(), [1, -2, 0x1p-24])
        let b = Tensor(shape: [2], data: .bfloat16([0x3F80, 0x4040]))
        XCTAssertEqual(b.floatValues(), [1, 3])
        XCTAssertEqual(b.byteCount, 4)
    }
}
