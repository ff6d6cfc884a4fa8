import XCTest
@testable import IR

final class NormalizationInferenceTests: XCTestCase {
    func testReduceSumAxesAttributeBefore13InputFrom13() throws {
        let x = f32("B", "T", 256)
        XCTAssertEqual(try inferType("ReduceSum", [x], attributes: ["axes": .ints([-1])], opset: 11), f32("B", "T", 1))
        let axes = ints([1])
        XCTAssertEqual(try inferType("ReduceSum", [x, axes.type], attributes: ["keepdims": .int(0)],
                                     constants: [1: axes.tensor], opset: 13), f32("B", 256))
        // No axes: reduce all, unless noop_with_empty_axes (input form only).
        XCTAssertEqual(try inferType("ReduceSum", [x], opset: 13), f32(1, 1, 1))
        XCTAssertEqual(try inferType("ReduceSum", [x], attributes: ["noop_with_empty_axes": .int(1)], opset: 13), x)
        XCTAssertEqual(try inferType("ReduceSum", [x], attributes: ["noop_with_empty_axes": .int(1)], opset: 11), f32(1, 1, 1))
    }

    func testReduceMeanAxesAttributeBefore18InputFrom18() throws {
        let x = f32("B", "T", 256)
        XCTAssertEqual(try inferType("ReduceMean", [x], attributes: ["axes": .ints([-1])], opset: 17), f32("B", "T", 1))
        let axes = ints([0, 2])
        XCTAssertEqual(try inferType("ReduceMax", [x, axes.type], attributes: ["keepdims": .int(0)],
                                     constants: [1: axes.tensor], opset: 18), f32("T"))
        // Non-constant axes input: the rank stays with keepdims, each dim unknown.
        let out = try inferType("ReduceMin", [x, i64(1)], opset: 18)
        XCTAssertEqual(out?.shape?.rank, 3)
        XCTAssertEqual(try inferType("ReduceProd", [x, i64(1)], attributes: ["keepdims": .int(0)], opset: 18),
                       ValueType(.float32, nil))
        assertShapeError(try inferType("ReduceMean", [x], attributes: ["axes": .ints([3])], opset: 13), "out of range")
        assertShapeError(try inferType("ReduceMean", [x], attributes: ["axes": .ints([1, -2])], opset: 13), "repeat")
    }

    func testSoftmaxAxisDefaultsByOpset() throws {
        XCTAssertEqual(try inferType("Softmax", [f32("B", 4, "T", "T")], opset: 13), f32("B", 4, "T", "T"))
        XCTAssertEqual(try inferType("LogSoftmax", [f32("B", 4)], opset: 11), f32("B", 4))
        // Before 13 the input is coerced to 2-D at axis, so axis == rank is allowed; from 13 it is not.
        XCTAssertNoThrow(try inferType("Softmax", [f32(2, 3)], attributes: ["axis": .int(2)], opset: 11))
        assertShapeError(try inferType("Softmax", [f32(2, 3)], attributes: ["axis": .int(2)], opset: 13))
    }

    func testLayerAndBatchNormalization() throws {
        let outs = try inferTypes("LayerNormalization", [f32("B", "T", 256), f32(256), f32(256)], outputs: 3)
        XCTAssertEqual(outs, [f32("B", "T", 256), f32("B", "T", 1), f32("B", "T", 1)])
        assertShapeError(try inferType("LayerNormalization", [f32("B", "T", 256), f32(255)]), "broadcast")
        let bn = try inferTypes("BatchNormalization", [f32("B", 8, "T"), f32(8), f32(8), f32(8), f32(8)])
        XCTAssertEqual(bn, [f32("B", 8, "T")])
        assertShapeError(try inferType("BatchNormalization", [f32("B", 8, "T"), f32(4), f32(8), f32(8), f32(8)]))
    }

    func testCumSumAndTriluKeepShape() throws {
        XCTAssertEqual(try inferType("CumSum", [i64("T"), i64()]), i64("T"))
        XCTAssertEqual(try inferType("Trilu", [f32("T", "T")]), f32("T", "T"))
    }
}
