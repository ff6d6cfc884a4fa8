import XCTest
import IR
import Reference
import _TestSupport

final class ShapeOpsTests: XCTestCase {
    typealias H = ElemHarness
    /// 0, 1, 2, ... as float32 in `shape`.
    static func iota(_ shape: [Int]) -> Tensor { Tensor((0..<Shapes.count(shape)).map { Float($0) }, shape: shape) }
    static func ints(_ v: [Int64]) -> Tensor { Tensor(v, shape: [v.count]) }
    let x = iota([2, 3, 4])

    func testShapeWithStartEndAndSize() throws {
        XCTAssertEqual(try H.run1("Shape", [x]).int64s, [2, 3, 4])
        XCTAssertEqual(try H.run1("Shape", [x], ["start": .int(-2)], opset: 15).int64s, [3, 4])
        XCTAssertEqual(try H.run1("Shape", [x], ["start": .int(1), "end": .int(-1)], opset: 15).int64s, [3])
        XCTAssertEqual(try H.run1("Shape", [x], ["start": .int(5), "end": .int(-9)], opset: 15).shape, [0])
        let size = try H.run1("Size", [x])
        XCTAssertEqual(size.shape, [])
        XCTAssertEqual(size.int64s, [24])
    }

    func testGatherAxesNegativeAndScalarIndices() throws {
        let rows = try H.run1("Gather", [x, Self.ints([-1, 0])], ["axis": .int(1)])
        XCTAssertEqual(rows.shape, [2, 2, 4])
        XCTAssertEqual(rows.floats, [8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15])
        let scalar = try H.run1("Gather", [x, Tensor(scalar: Int64(2))], ["axis": .int(-1)])
        XCTAssertEqual(scalar.shape, [2, 3])
        XCTAssertEqual(scalar.floats, [2, 6, 10, 14, 18, 22])
        let message = H.message { try H.run1("Gather", [x, Self.ints([3])], ["axis": .int(1)]) }
        XCTAssertTrue(message.contains("node0") && message.contains("index 3 is out of range"), message)
    }

    func testUnsqueezeAndSqueezeAttributeAndInputForms() throws {
        XCTAssertEqual(try H.run1("Unsqueeze", [x], ["axes": .ints([0, -1])], opset: 11).shape, [1, 2, 3, 4, 1])
        XCTAssertEqual(try H.run1("Unsqueeze", [x, Self.ints([1, 3])], opset: 13).shape, [2, 1, 3, 1, 4])
        let ones = Self.iota([1, 3, 1])
        XCTAssertEqual(try H.run1("Squeeze", [ones], ["axes": .ints([-1])], opset: 11).shape, [1, 3])
        XCTAssertEqual(try H.run1("Squeeze", [ones, Self.ints([0])], opset: 13).shape, [3, 1])
        XCTAssertEqual(try H.run1("Squeeze", [ones], opset: 13).shape, [3])
        XCTAssertTrue(H.message { try H.run1("Squeeze", [ones, Self.ints([1])]) }.contains("cannot squeeze axis 1"))
        XCTAssertTrue(H.message { try H.run1("Unsqueeze", [x, Self.ints([1, 1])]) }.contains("repeated"))
        XCTAssertTrue(H.message { try H.run1("Unsqueeze", [x, Self.ints([7])]) }.contains("out of range"))
    }

    func testConcatAlongAnyAxis() throws {
        let a = Self.iota([2, 2]), b = Tensor([9, 9] as [Float], shape: [2, 1])
        XCTAssertEqual(try H.run1("Concat", [a, b], ["axis": .int(-1)]).floats, [0, 1, 9, 2, 3, 9])
        XCTAssertEqual(try H.run1("Concat", [a, a], ["axis": .int(0)]).shape, [4, 2])
        XCTAssertTrue(H.message { try H.run1("Concat", [a, b], ["axis": .int(0)]) }.contains("differ outside axis 0"))
    }

    func testSliceAttributeFormAndInputFormWithNegativeStepsAndHugeEnds() throws {
        let v9 = try H.run1("Slice", [x], ["starts": .ints([1, -3]), "ends": .ints([1000, -1]), "axes": .ints([1, 2])], opset: 9)
        XCTAssertEqual(v9.shape, [2, 2, 2])
        XCTAssertEqual(v9.floats, [5, 6, 9, 10, 17, 18, 21, 22])
        let reversed = try H.run1("Slice", [x, Self.ints([-1]), Self.ints([Int64.min]), Self.ints([2]), Self.ints([-1])])
        XCTAssertEqual(reversed.shape, [2, 3, 4])
        XCTAssertEqual(Array(reversed.floats!.prefix(4)), [3, 2, 1, 0])
        let stepped = try H.run1("Slice", [x, Self.ints([0, 1]), Self.ints([Int64.max, Int64.max]),
                                            Self.ints([1, 2]), Self.ints([2, Int64.max])])
        XCTAssertEqual(stepped.shape, [2, 2, 1])
        XCTAssertEqual(stepped.floats, [1, 9, 13, 21])
        XCTAssertEqual(try H.run1("Slice", [x, Self.ints([5]), Self.ints([9]), Self.ints([0])]).shape, [0, 3, 4])
        XCTAssertTrue(H.message { try H.run1("Slice", [x, Self.ints([0]), Self.ints([1]), nil, Self.ints([0])]) }.contains("step"))
    }

    func testReshapeCopiesZerosInfersMinusOneAndHonoursAllowZero() throws {
        XCTAssertEqual(try H.run1("Reshape", [x, Self.ints([0, -1])]).shape, [2, 12])
        XCTAssertEqual(try H.run1("Reshape", [x, Self.ints([-1, 0, 2, 2])]).shape, [2, 3, 2, 2])
        let empty = Self.iota([0, 3])
        XCTAssertEqual(try H.run1("Reshape", [empty, Self.ints([3, 0])], ["allowzero": .int(1)], opset: 14).shape, [3, 0])
        XCTAssertTrue(H.message { try H.run1("Reshape", [x, Self.ints([5, -1])]) }.contains("cannot reshape"))
        XCTAssertTrue(H.message { try H.run1("Reshape", [x, Self.ints([-1, -1])]) }.contains("more than one -1"))
        XCTAssertTrue(H.message { try H.run1("Reshape", [x, Self.ints([-2, 12])]) }.contains("invalid dim"))
    }

    func testTransposeFlattenExpandTile() throws {
        let t = try H.run1("Transpose", [Self.iota([2, 3])])
        XCTAssertEqual(t.shape, [3, 2])
        XCTAssertEqual(t.floats, [0, 3, 1, 4, 2, 5])
        XCTAssertEqual(try H.run1("Transpose", [x], ["perm": .ints([1, 2, 0])]).shape, [3, 4, 2])
        XCTAssertTrue(H.message { try H.run1("Transpose", [x], ["perm": .ints([0, 0, 1])]) }.contains("not a permutation"))
        XCTAssertEqual(try H.run1("Flatten", [x], ["axis": .int(-1)]).shape, [6, 4])
        XCTAssertEqual(try H.run1("Flatten", [x], ["axis": .int(0)]).shape, [1, 24])
        let e = try H.run1("Expand", [Tensor([1, 2, 3] as [Float], shape: [3, 1]), Self.ints([2, 1, 2])])
        XCTAssertEqual(e.shape, [2, 3, 2])
        XCTAssertEqual(e.floats, [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3])
        XCTAssertTrue(H.message { try H.run1("Expand", [x, Self.ints([3, 5])]) }.contains("does not broadcast"))
        let tile = try H.run1("Tile", [Self.iota([2, 2]), Self.ints([1, 2])])
        XCTAssertEqual(tile.floats, [0, 1, 0, 1, 2, 3, 2, 3])
    }

    func testSplitForms() throws {
        let v = Self.iota([7])
        let a = try H.run("Split", [v], ["split": .ints([3, 4])], opset: 11, outputs: 2)
        XCTAssertEqual(a.map(\.shape), [[3], [4]])
        let b = try H.run("Split", [Self.iota([2, 6])], ["axis": .int(1)], opset: 13, outputs: 3)
        XCTAssertEqual(b.map(\.floats), [[0, 1, 6, 7], [2, 3, 8, 9], [4, 5, 10, 11]])
        let c = try H.run("Split", [v, Self.ints([5, 2])], opset: 13, outputs: 2)
        XCTAssertEqual(c.map(\.floats), [[0, 1, 2, 3, 4], [5, 6]])
        let d = try H.run("Split", [v], ["num_outputs": .int(3)], opset: 18, outputs: 3)
        XCTAssertEqual(d.map(\.floats), [[0, 1, 2], [3, 4, 5], [6]])
        XCTAssertTrue(H.message { try H.run("Split", [v, Self.ints([3, 3])], outputs: 2) }.contains("do not add up"))
        XCTAssertTrue(H.message { try H.run("Split", [v], opset: 13, outputs: 2) }.contains("evenly"))
    }

    func testPadModesAndForms() throws {
        let v = Tensor([1, 2, 3] as [Float], shape: [1, 3])
        let pads = Self.ints([0, 2, 0, 3])
        XCTAssertEqual(try H.run1("Pad", [v, pads, Tensor(scalar: Float(-1))]).floats, [-1, -1, 1, 2, 3, -1, -1, -1])
        XCTAssertEqual(try H.run1("Pad", [v, pads], ["mode": .string("edge")]).floats, [1, 1, 1, 2, 3, 3, 3, 3])
        XCTAssertEqual(try H.run1("Pad", [v, pads], ["mode": .string("reflect")]).floats, [3, 2, 1, 2, 3, 2, 1, 2])
        XCTAssertEqual(try H.run1("Pad", [v, pads], ["mode": .string("wrap")], opset: 19).floats, [2, 3, 1, 2, 3, 1, 2, 3])
        XCTAssertEqual(try H.run1("Pad", [v], ["pads": .ints([1, 0, 0, -1]), "value": .float(7)], opset: 2).floats, [7, 7, 1, 2])
        let axes = try H.run1("Pad", [v, Self.ints([1, 1]), nil, Self.ints([-1])], opset: 18)
        XCTAssertEqual(axes.floats, [0, 1, 2, 3, 0])
        XCTAssertTrue(H.message { try H.run1("Pad", [v, Self.ints([0, -5, 0, 0])]) }.contains("negative size"))
        XCTAssertTrue(H.message { try H.run1("Pad", [v, pads], ["mode": .string("mirror")]) }.contains("unknown pad mode"))
    }

    func testTriluUpperLowerWithDiagonalOffsetBatched() throws {
        let m = Self.iota([2, 2, 3])
        XCTAssertEqual(try H.run1("Trilu", [m]).floats, [0, 1, 2, 0, 4, 5, 6, 7, 8, 0, 10, 11])
        XCTAssertEqual(try H.run1("Trilu", [m, Tensor(scalar: Int64(1))], ["upper": .int(0)]).floats,
                       [0, 1, 0, 3, 4, 5, 6, 7, 0, 9, 10, 11])
        XCTAssertEqual(try H.run1("Trilu", [m, Tensor(scalar: Int64(-1))]).floats, m.floats)
    }

    func testRangeConstantOfShapeAndConstant() throws {
        XCTAssertEqual(try H.run1("Range", [Tensor(scalar: Int64(10)), Tensor(scalar: Int64(1)), Tensor(scalar: Int64(-4))]).int64s, [10, 6, 2])
        XCTAssertEqual(try H.run1("Range", [Tensor(scalar: Float(0)), Tensor(scalar: Float(1)), Tensor(scalar: Float(0.25))]).floats, [0, 0.25, 0.5, 0.75])
        XCTAssertTrue(H.message { try H.run1("Range", [Tensor(scalar: Int64(0)), Tensor(scalar: Int64(1)), Tensor(scalar: Int64(0))]) }.contains("delta"))
        let zeros = try H.run1("ConstantOfShape", [Self.ints([2, 3])])
        XCTAssertEqual(zeros, Tensor.zeros(.float32, shape: [2, 3]))
        let sevens = try H.run1("ConstantOfShape", [Self.ints([2])], ["value": .tensor(Tensor([7] as [Int32], shape: [1]))])
        XCTAssertEqual(sevens.int32s, [7, 7])
        XCTAssertEqual(try H.run1("Constant", [], ["value_ints": .ints([1, 2])]).int64s, [1, 2])
        XCTAssertEqual(try H.run1("Constant", [], ["value_float": .float(2.5)]), Tensor(scalar: Float(2.5)))
        XCTAssertEqual(try H.run1("Constant", [], ["value_strings": .strings(["a"])]).data, .string(["a"]))
        XCTAssertEqual(try H.run1("Constant", [], ["value": .tensor(x)]), x)
    }

    /// Shape ops move any element type, bit for bit.
    func testDataMovementIsDtypeGeneric() throws {
        let half = Tensor(shape: [2, 2], data: .float16([0x3C00, 0x7E00, 0xFC00, 0x0001]))
        XCTAssertEqual(try H.run1("Transpose", [half]).data, .float16([0x3C00, 0xFC00, 0x7E00, 0x0001]))
        let strings = Tensor(shape: [3], data: .string(["a", "b", "c"]))
        XCTAssertEqual(try H.run1("Slice", [strings, Self.ints([-1]), Self.ints([-4]), nil, Self.ints([-1])]).data, .string(["c", "b", "a"]))
        let u16 = Tensor(shape: [2], data: .uint16([1, 65535]))
        XCTAssertEqual(try H.run1("Tile", [u16, Self.ints([2])]).data, .uint16([1, 65535, 1, 65535]))
        let bools = Tensor([true, false], shape: [2])
        XCTAssertEqual(try H.run1("Concat", [bools, bools], ["axis": .int(0)]).bools, [true, false, true, false])
    }

    /// Shapes taken from input values fail with a clear error, never a trap or a huge allocation.
    func testHostileShapesFailCleanly() {
        let huge = Self.ints([1 << 40, 1 << 40])
        let cases: [(String, () throws -> Any)] = [
            ("elements", { try H.run1("Expand", [Tensor(scalar: Float(1)), huge]) }),
            ("elements", { try H.run1("ConstantOfShape", [huge]) }),
            ("negative", { try H.run1("ConstantOfShape", [Self.ints([-1, -1])]) }),
            ("non-negative", { try H.run1("Tile", [Self.iota([2]), Self.ints([-1])]) }),
            ("elements", { try H.run1("Tile", [Self.iota([2, 2]), huge]) }),
            ("range", { try H.run1("Range", [Tensor(scalar: Int64.min), Tensor(scalar: Int64.max), Tensor(scalar: Int64(1))]) }),
            ("elements", { try H.run1("Pad", [Self.iota([1]), Self.ints([0, 1 << 40])]) }),
        ]
        for (expected, body) in cases {
            let message = H.message(body)
            XCTAssertTrue(message.contains("node0") && message.contains(expected), "\(expected): \(message)")
        }
    }
}
