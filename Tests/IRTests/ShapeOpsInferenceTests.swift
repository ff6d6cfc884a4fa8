import XCTest
@testable import IR

final class ShapeOpsInferenceTests: XCTestCase {
    func testShapeWithStartAndEndFromOpset15() throws {
        let x = f32("B", "T", 256)
        XCTAssertEqual(try inferType("Shape", [x], opset: 13), i64(3))
        XCTAssertEqual(try inferType("Shape", [x], attributes: ["start": .int(1)], opset: 15), i64(2))
        XCTAssertEqual(try inferType("Shape", [x], attributes: ["start": .int(-1), "end": .int(10)], opset: 15), i64(1))
        XCTAssertEqual(try inferType("Shape", [x], attributes: ["start": .int(2), "end": .int(1)], opset: 15), i64(0))
        // Before 15 the attributes do not exist.
        XCTAssertEqual(try inferType("Shape", [x], attributes: ["start": .int(1)], opset: 14), i64(3))
        XCTAssertEqual(try inferType("Size", [x]), i64())
    }

    func testGather() throws {
        XCTAssertEqual(try inferType("Gather", [f32(5000, 256), i64("B", "T")]), f32("B", "T", 256))
        XCTAssertEqual(try inferType("Gather", [f32("B", "T", 4), i64()], attributes: ["axis": .int(1)]), f32("B", 4))
        let idx = ints([7])
        assertShapeError(try inferType("Gather", [f32(3, 4), idx.type], constants: [1: idx.tensor]), "out of range")
        assertShapeError(try inferType("Gather", [f32(3, 4), i64()], attributes: ["axis": .int(2)]), "out of range")
    }

    func testUnsqueezeAndSqueezeAxesByOpset() throws {
        XCTAssertEqual(try inferType("Unsqueeze", [f32("B", "T")], attributes: ["axes": .ints([1, -1])], opset: 11),
                       f32("B", 1, "T", 1))
        let axes = ints([0])
        XCTAssertEqual(try inferType("Unsqueeze", [i64(), axes.type], constants: [1: axes.tensor], opset: 13), i64(1))
        XCTAssertThrowsError(try inferType("Unsqueeze", [f32(2)], opset: 13))
        XCTAssertEqual(try inferType("Squeeze", [f32(1, "T", 1)], attributes: ["axes": .ints([0])], opset: 11), f32("T", 1))
        XCTAssertEqual(try inferType("Squeeze", [f32(1, "T", 1), axes.type], constants: [1: axes.tensor], opset: 13),
                       f32("T", 1))
        XCTAssertEqual(try inferType("Squeeze", [f32(1, "T", 1)], opset: 13), f32("T"))
        assertShapeError(try inferType("Squeeze", [f32(2, 3)], attributes: ["axes": .ints([1])], opset: 11), "squeeze")
    }

    func testConcatSumsSymbolicDims() throws {
        XCTAssertEqual(try inferType("Concat", [f32("B", "T", 4), f32("B", "T", 4)], attributes: ["axis": .int(1)]),
                       f32("B", "2*T", 4))
        XCTAssertEqual(try inferType("Concat", [f32("B", 3, 4), f32("B", "T", 4)], attributes: ["axis": .int(-2)]),
                       f32("B", "T+3", 4))
        XCTAssertEqual(try inferType("Concat", [f32(2, "T"), f32(2, 5)], attributes: ["axis": .int(0)]), f32(4, 5))
        assertShapeError(try inferType("Concat", [f32(2, 3), f32(2, 3, 1)], attributes: ["axis": .int(0)]), "ranks")
        assertShapeError(try inferType("Concat", [f32(2, 3), f32(2, 4)], attributes: ["axis": .int(0)]), "differs")
        XCTAssertThrowsError(try inferType("Concat", [f32(2), f32(2)]))  // axis is required
    }

    func testSliceStaticSymbolicAndOpset9() throws {
        func slice(_ x: ValueType, _ s: [Int], _ e: [Int], axes: [Int]? = nil, steps: [Int]? = nil) throws -> ValueType? {
            var types: [ValueType?] = [x, ints(s).type, ints(e).type]
            var consts: [Int: Tensor] = [1: ints(s).tensor, 2: ints(e).tensor]
            if let axes { types.append(ints(axes).type); consts[3] = ints(axes).tensor }
            if let steps {
                if axes == nil { types.append(nil) }
                types.append(ints(steps).type); consts[4] = ints(steps).tensor
            }
            return try inferType("Slice", types, constants: consts)
        }
        XCTAssertEqual(try slice(f32(10, 20), [1, 0], [8, -1]), f32(7, 19))
        XCTAssertEqual(try slice(f32(10), [-1], [Int(Int64.min)], steps: [-1]), f32(10))
        XCTAssertEqual(try slice(f32(10), [0], [10], steps: [3]), f32(4))
        XCTAssertEqual(try slice(f32(10), [20], [30]), f32(0))
        XCTAssertEqual(try slice(f32("B", "T", 256), [1], [Int(Int64.max)], axes: [1]), f32("B", "T-1", 256))
        XCTAssertEqual(try slice(f32("B", "T", 256), [0], [-2], axes: [1]), f32("B", "T-2", 256))
        XCTAssertEqual(try slice(f32("B", "T", 256), [0], [Int(Int64.max)], axes: [1], steps: [2]), f32("B", "(T-1)/2+1", 256))
        // Opset 9: starts/ends/axes are attributes.
        let v9 = try inferType("Slice", [f32("B", 8)], attributes: ["starts": .ints([2]), "ends": .ints([6]), "axes": .ints([1])], opset: 9)
        XCTAssertEqual(v9, f32("B", 4))
        assertShapeError(try slice(f32(4), [0], [4], steps: [0]), "zero")
    }

    func testTransposeFlattenTile() throws {
        XCTAssertEqual(try inferType("Transpose", [f32("B", "T", 4, 64)], attributes: ["perm": .ints([0, 2, 1, 3])]),
                       f32("B", 4, "T", 64))
        XCTAssertEqual(try inferType("Transpose", [f32(2, 3, 4)]), f32(4, 3, 2))
        assertShapeError(try inferType("Transpose", [f32(2, 3)], attributes: ["perm": .ints([0, 0])]), "permutation")
        XCTAssertEqual(try inferType("Flatten", [f32("B", "T", 4, 64)], attributes: ["axis": .int(2)]), f32("B*T", 256))
        XCTAssertEqual(try inferType("Flatten", [f32(2, 3)], attributes: ["axis": .int(0)]), f32(1, 6))
        let reps = ints([1, 2])
        XCTAssertEqual(try inferType("Tile", [f32("T", 3), reps.type], constants: [1: reps.tensor]), f32("T", 6))
    }

    func testSplitBySizesEqualPartsAndNumOutputs() throws {
        let x = f32("B", "T", 512)
        let two = try inferTypes("Split", [x], attributes: ["axis": .int(-1), "split": .ints([256, 256])], outputs: 2, opset: 11)
        XCTAssertEqual(two, [f32("B", "T", 256), f32("B", "T", 256)])
        let sizes = ints([100, 412])
        let given = try inferTypes("Split", [x, sizes.type], attributes: ["axis": .int(2)], constants: [1: sizes.tensor],
                                   outputs: 2, opset: 13)
        XCTAssertEqual(given, [f32("B", "T", 100), f32("B", "T", 412)])
        let equal = try inferTypes("Split", [x], attributes: ["axis": .int(1)], outputs: 2, opset: 13)
        XCTAssertEqual(equal, [f32("B", "T/2", 512), f32("B", "T/2", 512)])
        let uneven = try inferTypes("Split", [f32(10)], attributes: ["num_outputs": .int(3)], outputs: 3, opset: 18)
        XCTAssertEqual(uneven, [f32(4), f32(4), f32(2)])
        assertShapeError(try inferTypes("Split", [f32(10)], outputs: 3, opset: 13), "evenly")
        assertShapeError(try inferTypes("Split", [f32(10)], attributes: ["split": .ints([3, 3])], outputs: 2, opset: 11), "add up")
    }

    func testPadAttributeBefore11InputFrom11() throws {
        XCTAssertEqual(try inferType("Pad", [f32("B", "T")], attributes: ["pads": .ints([0, 1, 0, 2])], opset: 2),
                       f32("B", "T+3"))
        let pads = ints([0, 0, 0, 1, 2, 0])
        XCTAssertEqual(try inferType("Pad", [f32(1, 3, "T"), pads.type], constants: [1: pads.tensor], opset: 13),
                       f32(2, 5, "T"))
        let axes = ints([-1]), p2 = ints([2, 2])
        XCTAssertEqual(try inferType("Pad", [f32(1, 3, "T"), p2.type, nil, axes.type],
                                     constants: [1: p2.tensor, 3: axes.tensor], opset: 18), f32(1, 3, "T+4"))
        assertShapeError(try inferType("Pad", [f32(2), ints([1]).type], constants: [1: ints([1]).tensor], opset: 13), "pads")
    }
}
