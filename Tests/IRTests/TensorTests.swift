import XCTest
@testable import IR

final class TensorTests: XCTestCase {
    func testCheckedInitRejectsWrongCountsAndNegativeDims() throws {
        XCTAssertNoThrow(try Tensor(checkedShape: [2, 3], data: .float32(Array(repeating: 0, count: 6)), name: "w"))
        XCTAssertThrowsError(try Tensor(checkedShape: [2, 3], data: .float32([1, 2]), name: "w")) {
            XCTAssertEqual($0 as? IRError, .invalidTensor(name: "w", reason: "2 elements do not fill shape [2, 3]"))
        }
        XCTAssertThrowsError(try Tensor(checkedShape: [-1, -2], data: .int64([1, 2]), name: "n"))
        let scalar = try Tensor(checkedShape: [], data: .int64([5]), name: "s")
        XCTAssertEqual(scalar.rank, 0)
        XCTAssertEqual(scalar.count, 1)
        XCTAssertNoThrow(try Tensor(checkedShape: [0, 4], data: .float32([]), name: "empty"))
    }

    func testTypedAccessAndConversions() {
        let t = Tensor([Int64(3), -2], shape: [2])
        XCTAssertEqual(t.int64s, [3, -2])
        XCTAssertNil(t.floats)
        XCTAssertEqual(t.floatValues(), [3, -2])
        XCTAssertEqual(Tensor([1.9, -1.9] as [Float], shape: [2]).intValues(), [1, -1])
        XCTAssertEqual(Tensor([true, false], shape: [2]).intValues(), [1, 0])
        XCTAssertNil(Tensor(shape: [1], data: .string(["a"])).floatValues())
        XCTAssertEqual(Tensor(shape: [1], data: .string(["héllo"])).byteCount, 6)
        XCTAssertEqual(Tensor.zeros(.float16, shape: [2, 2]).byteCount, 8)
        XCTAssertEqual(t.reshaped([1, 2]).shape, [1, 2])
        XCTAssertEqual(Tensor.zeros(.bool, shape: [3]).dataType, .bool)
        for type in DataType.allCases {
            XCTAssertEqual(Tensor.zeros(type, shape: [2]).dataType, type)
            XCTAssertEqual(DataType(name: type.name), type)
        }
    }

    func testShapesHelpers() {
        XCTAssertEqual(Shapes.broadcast([2, 1, 4], [3, 1]), [2, 3, 4])
        XCTAssertEqual(Shapes.broadcast([], [3]), [3])
        XCTAssertEqual(Shapes.broadcast([0], [1]), [0])
        XCTAssertNil(Shapes.broadcast([0], [3]))
        XCTAssertNil(Shapes.broadcast([3], [4]))
        XCTAssertNil(Shapes.broadcast([2, 3, 4], [2, 4]))
        XCTAssertEqual(Shapes.strides([2, 3, 4]), [12, 4, 1])
        XCTAssertEqual(Shapes.count([]), 1)
        XCTAssertEqual(Shapes.normalizeAxis(-1, rank: 3), 2)
        XCTAssertNil(Shapes.normalizeAxis(3, rank: 3))
        XCTAssertNil(Shapes.normalizeAxis(-4, rank: 3))
        XCTAssertEqual(Shape(["B", "T", 80]).bracketed, "[B, T, 80]")
        XCTAssertEqual(Shape(["B", 16, 80]).description, "Bx16x80")
        XCTAssertNil(Shape(["B", 80]).staticSizes)
        XCTAssertEqual(Shape([2, 3]).staticSizes, [2, 3])
    }

    func testSymbolicShapeBroadcastRule() {
        XCTAssertEqual(ShapeInference.broadcast(Shape(["B", 1, 80]), Shape(["T", 1])), Shape(["B", "T", 80]))
        XCTAssertNil(ShapeInference.broadcast(Shape([3]), Shape([4])))
        XCTAssertEqual(ShapeInference.broadcast(Dim.symbol("T+1"), Dim.symbol("1+T")), "T+1")
    }
}
