import XCTest
@testable import IR

final class ElementwiseInferenceTests: XCTestCase {
    func testUnaryKeepsTypeAndShape() throws {
        XCTAssertEqual(try inferType("Relu", [f32("B", "T", 256)]), f32("B", "T", 256))
        XCTAssertEqual(try inferType("Not", [ValueType(.bool, [3])]), ValueType(.bool, [3]))
        XCTAssertNil(try inferType("Sqrt", [nil]))
    }

    func testBinaryBroadcastsStaticAndSymbolicDims() throws {
        XCTAssertEqual(try inferType("Add", [f32(2, 1, 4), f32(3, 1)]), f32(2, 3, 4))
        // A symbol broadcast with 1 stays symbolic; a static n against a symbol gives n.
        XCTAssertEqual(try inferType("Mul", [f32("B", "T", 256), f32(256)]), f32("B", "T", 256))
        XCTAssertEqual(try inferType("Sub", [f32("B", 1, "T"), f32(1, 4, 1)]), f32("B", 4, "T"))
        XCTAssertEqual(try inferType("Add", [f32("B", "T"), f32(8, 1)]), f32(8, "T"))
        // Two different symbols: the shorter text wins, commutatively.
        XCTAssertEqual(try inferType("Add", [f32("batch"), f32("B")]), f32("B"))
        XCTAssertEqual(try inferType("Add", [f32("B"), f32("batch")]), f32("B"))
        XCTAssertEqual(try inferType("Add", [f32("T"), f32("U")]), try inferType("Add", [f32("U"), f32("T")]))
    }

    func testComparisonsAndLogicGiveBool() throws {
        XCTAssertEqual(try inferType("Less", [f32("T"), f32(1)]), ValueType(.bool, ["T"]))
        XCTAssertEqual(try inferType("And", [ValueType(.bool, [2]), ValueType(.bool, [])]), ValueType(.bool, [2]))
        XCTAssertEqual(try inferType("Equal", [i64(3), i64(3)]), ValueType(.bool, [3]))
    }

    func testVariadicMinMaxAndWhere() throws {
        XCTAssertEqual(try inferType("Max", [f32(2, 1), f32(1, 3), f32(3)]), f32(2, 3))
        let cond = ValueType(.bool, ["B", 1, "T"])
        XCTAssertEqual(try inferType("Where", [cond, f32(), f32("B", 4, "T")]), f32("B", 4, "T"))
        assertShapeError(try inferType("Where", [cond, f32(), ValueType(.int64, [])]), "dtypes")
        assertShapeError(try inferType("Where", [f32(1), f32(), f32()]), "bool")
    }

    func testCastFamilyAndClipAndDropout() throws {
        XCTAssertEqual(try inferType("Cast", [f32("T", 2)], attributes: ["to": .int(7)]), i64("T", 2))
        XCTAssertEqual(try inferType("CastLike", [f32(2), ValueType(.float16, [])]), ValueType(.float16, [2]))
        XCTAssertThrowsError(try inferType("Cast", [f32(2)], attributes: ["to": .int(99)]))
        XCTAssertThrowsError(try inferType("Cast", [f32(2)]))  // 'to' is required
        // Clip before opset 11 has min/max attributes, after inputs; the shape is the input's either way.
        XCTAssertEqual(try inferType("Clip", [f32("B", 3)], attributes: ["min": .float(0)], opset: 6), f32("B", 3))
        XCTAssertEqual(try inferType("Clip", [f32("B", 3), f32(), f32()], opset: 13), f32("B", 3))
        let out = try inferTypes("Dropout", [f32("B", 3)], outputs: 2)
        XCTAssertEqual(out, [f32("B", 3), ValueType(.bool, ["B", 3])])
    }

    func testIncompatibleBroadcastThrows() {
        assertShapeError(try inferType("Add", [f32(3), f32(4)]), "broadcast")
        assertShapeError(try inferType("Add", [f32("B", 3), f32(2, 4)]), "broadcast")
        // A static mismatch is reported even when a third input's rank is unknown.
        assertShapeError(try inferType("Max", [f32(3), nil, f32(4)].map { $0 ?? ValueType(.float32, nil) }))
    }

    func testUnknownRankGivesUnknownShape() throws {
        XCTAssertEqual(try inferType("Add", [ValueType(.float32, nil), f32(3)]), ValueType(.float32, nil))
    }
}
