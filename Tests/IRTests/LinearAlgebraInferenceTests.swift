import XCTest
@testable import IR

final class LinearAlgebraInferenceTests: XCTestCase {
    func testMatMulBatchesAndVectors() throws {
        XCTAssertEqual(try inferType("MatMul", [f32("B", "T", 256), f32(256, 1024)]), f32("B", "T", 1024))
        XCTAssertEqual(try inferType("MatMul", [f32("B", 4, "T", 64), f32("B", 4, 64, "T")]), f32("B", 4, "T", "T"))
        XCTAssertEqual(try inferType("MatMul", [f32(1, 3, 4), f32(5, 4, 2)]), f32(5, 3, 2))
        XCTAssertEqual(try inferType("MatMul", [f32(4), f32(3, 4, 2)]), f32(3, 2))
        XCTAssertEqual(try inferType("MatMul", [f32("B", 3, 4), f32(4)]), f32("B", 3))
        XCTAssertEqual(try inferType("MatMul", [f32(4), f32(4)]), f32())
    }

    func testMatMulErrors() {
        assertShapeError(try inferType("MatMul", [f32("B", 3), f32(4, 5)]), "inner dims")
        assertShapeError(try inferType("MatMul", [f32(2, 3, 4), f32(3, 4, 5)]), "batch")
        assertShapeError(try inferType("MatMul", [f32(), f32(4)]), "scalar")
        // Symbolic inner dims cannot be proven different; T+1 against T can.
        XCTAssertNoThrow(try inferType("MatMul", [f32(2, "K"), f32("J", 5)]))
        assertShapeError(try inferType("MatMul", [f32(2, "T+1"), f32("T", 5)]), "inner dims")
    }

    func testGemmTransposesAndBias() throws {
        XCTAssertEqual(try inferType("Gemm", [f32("B", 256), f32(10, 256), f32(10)], attributes: ["transB": .int(1)]),
                       f32("B", 10))
        XCTAssertEqual(try inferType("Gemm", [f32(256, "B"), f32(256, 10)], attributes: ["transA": .int(1)]),
                       f32("B", 10))
        assertShapeError(try inferType("Gemm", [f32(3, 256), f32(10, 256)]), "inner dims")
        assertShapeError(try inferType("Gemm", [f32(3, 4), f32(4, 10), f32(3)]), "broadcast")
        assertShapeError(try inferType("Gemm", [f32(3, 4, 1), f32(4, 10)]), "2-D")
    }

    func testConv1dOutputSizeExpression() throws {
        // kernel 3, stride 2, no padding: ⌊(T-3)/2⌋+1, printed canonically as (T-1)/2.
        let out = try inferType("Conv", [f32("B", 80, "T"), f32(256, 80, 3)], attributes: ["strides": .ints([2])])
        XCTAssertEqual(out, f32("B", 256, "(T-1)/2"))
        let same = try inferType("Conv", [f32("B", 80, "T"), f32(256, 80, 3)],
                                 attributes: ["pads": .ints([1, 1])])
        XCTAssertEqual(same, f32("B", 256, "T"))
        let depthwise = try inferType("Conv", [f32("B", 256, "T"), f32(256, 1, 15)],
                                      attributes: ["group": .int(256), "pads": .ints([7, 7])])
        XCTAssertEqual(depthwise, f32("B", 256, "T"))
        let upper = try inferType("Conv", [f32(1, 4, "T"), f32(8, 4, 3)],
                                  attributes: ["strides": .ints([2]), "auto_pad": .string("SAME_UPPER")])
        XCTAssertEqual(upper, f32(1, 8, "(T-1)/2+1"))
    }

    func testConv2dSubsamplingTwiceMatchesWeNet() throws {
        // WeNet's Conv2dSubsampling4: two 3x3 stride-2 convs, time (T-1)/2 then ((T-1)/2-1)/2 = (T-3)/4.
        let w1 = f32(256, 1, 3, 3), w2 = f32(256, 256, 3, 3)
        let attrs: [String: Attribute] = ["strides": .ints([2, 2]), "kernel_shape": .ints([3, 3])]
        let c1 = try XCTUnwrap(try inferType("Conv", [f32("B", 1, "T", 80), w1], attributes: attrs))
        XCTAssertEqual(c1, f32("B", 256, "(T-1)/2", 39))
        let c2 = try inferType("Conv", [c1, w2], attributes: attrs)
        XCTAssertEqual(c2, f32("B", 256, "(T-3)/4", 19))
        let dilated = try inferType("Conv", [f32(1, 1, 10, 10), f32(1, 1, 3, 3)],
                                    attributes: ["dilations": .ints([2, 2]), "pads": .ints([1, 0, 1, 0])])
        XCTAssertEqual(dilated, f32(1, 1, 8, 6))
    }

    func testConvErrors() {
        assertShapeError(try inferType("Conv", [f32("B", 80, "T"), f32(256, 40, 3)]), "channels")
        assertShapeError(try inferType("Conv", [f32(1, 1, 2), f32(1, 1, 3)]), "kernel")
        assertShapeError(try inferType("Conv", [f32(1, 1, 8), f32(1, 1, 3)], attributes: ["auto_pad": .string("WRONG")]))
        assertShapeError(try inferType("Conv", [f32(1, 1, 8), f32(1, 1, 3, 3)]), "rank")
    }
}
