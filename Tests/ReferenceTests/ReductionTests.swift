import XCTest
import IR
@testable import Reference
import _TestSupport

/// ReduceSum/Mean/Max/Min/Prod and CumSum against loops and hand-computed values.
final class ReductionTests: XCTestCase {
    /// Reduces `[a, b, c]` over the axes in `axes` by a plain triple loop.
    private func loopReduce(_ x: [Double], _ shape: [Int], axes: Set<Int>, _ op: String) -> [Double] {
        let (a, b, c) = (shape[0], shape[1], shape[2])
        let outDims = [axes.contains(0) ? 1 : a, axes.contains(1) ? 1 : b, axes.contains(2) ? 1 : c]
        var groups = [[Double]](repeating: [], count: outDims.reduce(1, *))
        for i in 0..<a {
            for j in 0..<b {
                for k in 0..<c {
                    let o = ((axes.contains(0) ? 0 : i) * outDims[1] + (axes.contains(1) ? 0 : j)) * outDims[2]
                        + (axes.contains(2) ? 0 : k)
                    groups[o].append(x[(i * b + j) * c + k])
                }
            }
        }
        return groups.map { g in
            switch op {
            case "ReduceSum": return g.reduce(0, +)
            case "ReduceMean": return g.reduce(0, +) / Double(g.count)
            case "ReduceProd": return g.reduce(1, *)
            case "ReduceMax": return g.max()!
            default: return g.min()!
            }
        }
    }

    func testEveryReductionOverAxisSetsWithAttributeAndInputAxes() throws {
        let shape = [3, 5, 7]
        let x = TestTensors.uniform(shape, in: 0.5...1.5, seed: 1)
        let values = x.doubleValues()!
        for op in ["ReduceSum", "ReduceMean", "ReduceProd", "ReduceMax", "ReduceMin"] {
            let since = op == "ReduceSum" ? 13 : 18
            for axes in [[0], [1], [2], [0, 2], [-1, -3], [0, 1, 2]] {
                let set = Set(axes.map { $0 < 0 ? $0 + 3 : $0 })
                let want = loopReduce(values, shape, axes: set, op)
                let kept = (0..<3).map { set.contains($0) ? 1 : shape[$0] }
                let dropped = (0..<3).filter { !set.contains($0) }.map { shape[$0] }
                for keep in [1, 0] {
                    let wantTensor = Tensor(want.map { Float($0) }, shape: keep == 1 ? kept : dropped)
                    let old = try MathHarness.run1(op, [x], attributes: ["axes": .ints(axes), "keepdims": .int(keep)],
                                                   opset: since - 2)
                    MathHarness.assertClose(old, wantTensor)
                    let new = try MathHarness.run1(op, [x, Tensor(axes.map { Int64($0) }, shape: [axes.count])],
                                                   attributes: ["keepdims": .int(keep)], opset: since)
                    MathHarness.assertClose(new, wantTensor)
                }
            }
        }
    }

    func testEmptyAxesReduceAllOrPassThrough() throws {
        let x = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        let empty = Tensor([] as [Int64], shape: [0])
        XCTAssertEqual(try MathHarness.run1("ReduceSum", [x, empty], opset: 13), Tensor([21] as [Float], shape: [1, 1]))
        XCTAssertEqual(try MathHarness.run1("ReduceSum", [x], attributes: ["keepdims": .int(0)], opset: 13),
                       Tensor([21] as [Float], shape: []))
        XCTAssertEqual(try MathHarness.run1("ReduceMean", [x, empty], attributes: ["noop_with_empty_axes": .int(1)],
                                            opset: 18), x)
        XCTAssertEqual(try MathHarness.run1("ReduceMax", [x], opset: 11), Tensor([6] as [Float], shape: [1, 1]))
    }

    func testIntegerFloat64AndBoolTypes() throws {
        let i64 = Tensor([1, -2, 3, 4, 5, -6] as [Int64], shape: [2, 3])
        let axis1 = Tensor([1] as [Int64], shape: [1])
        XCTAssertEqual(try MathHarness.run1("ReduceSum", [i64, axis1], opset: 13), Tensor([2, 3] as [Int64], shape: [2, 1]))
        XCTAssertEqual(try MathHarness.run1("ReduceProd", [i64, axis1], opset: 18), Tensor([-6, -120] as [Int64], shape: [2, 1]))
        XCTAssertEqual(try MathHarness.run1("ReduceMean", [i64, axis1], opset: 18), Tensor([0, 1] as [Int64], shape: [2, 1]),
                       "integer mean truncates toward zero")
        let i32 = Tensor([Int32.max, 1, 7, -3] as [Int32], shape: [2, 2])
        XCTAssertEqual(try MathHarness.run1("ReduceSum", [i32], attributes: ["axes": .ints([1]), "keepdims": .int(0)], opset: 11),
                       Tensor([Int32.min, 4] as [Int32], shape: [2]), "int32 wraps")
        XCTAssertEqual(try MathHarness.run1("ReduceMin", [i32], attributes: ["axes": .ints([0])], opset: 13),
                       Tensor([7, -3] as [Int32], shape: [1, 2]))
        let f64 = Tensor(shape: [3], data: .float64([0.5, 0.25, 2]))
        XCTAssertEqual(try MathHarness.run1("ReduceProd", [f64], opset: 13), Tensor(shape: [1], data: .float64([0.25])))
        let flags = Tensor([true, false, false, false], shape: [2, 2])
        XCTAssertEqual(try MathHarness.run1("ReduceMax", [flags, axis1], opset: 20), Tensor([true, false], shape: [2, 1]))
        XCTAssertEqual(try MathHarness.run1("ReduceMin", [flags, axis1], opset: 20), Tensor([false, false], shape: [2, 1]))
    }

    func testEmptySetsGiveIdentitiesAndNaNPropagates() throws {
        let x = Tensor([Float](), shape: [2, 0, 3])
        let axis1 = Tensor([1] as [Int64], shape: [1])
        let cases: [(String, Float)] = [("ReduceSum", 0), ("ReduceProd", 1), ("ReduceMax", -.infinity), ("ReduceMin", .infinity)]
        for (op, identity) in cases {
            let y = try MathHarness.run1(op, [x, axis1], opset: 18)
            XCTAssertEqual(y, Tensor([Float](repeating: identity, count: 6), shape: [2, 1, 3]), op)
        }
        XCTAssertTrue(try MathHarness.run1("ReduceMean", [x, axis1], opset: 18).floats!.allSatisfy(\.isNaN))
        let emptyInts = Tensor([Int64](), shape: [0, 2])
        XCTAssertEqual(try MathHarness.run1("ReduceMax", [emptyInts, Tensor([0] as [Int64], shape: [1])], opset: 18),
                       Tensor([Int64.min, Int64.min], shape: [1, 2]))
        let emptyFlags = Tensor([Bool](), shape: [0])
        XCTAssertEqual(try MathHarness.run1("ReduceMax", [emptyFlags], opset: 20), Tensor([false], shape: [1]))
        // A zero-sized kept dim gives an empty output.
        let kept = try MathHarness.run1("ReduceSum", [x, Tensor([2] as [Int64], shape: [1])], opset: 13)
        XCTAssertEqual(kept.shape, [2, 0, 1])
        let withNaN = Tensor([1, .nan, 3, 4] as [Float], shape: [2, 2])
        let maxima = try MathHarness.run1("ReduceMax", [withNaN, axis1], opset: 18).floats!
        XCTAssertTrue(maxima[0].isNaN)
        XCTAssertEqual(maxima[1], 4)
    }

    func testReductionErrors() {
        let x = TestTensors.uniform([2, 3])
        MathHarness.assertKernelError("ReduceMean", "axes is an input from opset 18") {
            _ = try MathHarness.run1("ReduceMean", [x], attributes: ["axes": .ints([0])], opset: 18)
        }
        MathHarness.assertKernelError("ReduceSum", "axes is an attribute before opset 13") {
            _ = try MathHarness.run1("ReduceSum", [x, Tensor([0] as [Int64], shape: [1])], opset: 11)
        }
        MathHarness.assertKernelError("ReduceSum", "name axis 1 twice") {
            _ = try MathHarness.run1("ReduceSum", [x, Tensor([1, -1] as [Int64], shape: [2])], opset: 13)
        }
        MathHarness.assertKernelError("ReduceMax", "axes entry 2 is out of range") {
            _ = try MathHarness.run1("ReduceMax", [x], attributes: ["axes": .ints([2])], opset: 13)
        }
        MathHarness.assertKernelError("ReduceSum", "axes must be a 1-D int64 tensor") {
            _ = try MathHarness.run1("ReduceSum", [x, TestTensors.uniform([1])], opset: 13)
        }
        MathHarness.assertKernelError("ReduceSum", "'keepdims' should be INT but is FLOAT") {
            _ = try MathHarness.run1("ReduceSum", [x], attributes: ["keepdims": .float(1)], opset: 13)
        }
        MathHarness.assertKernelError("ReduceSum", "bool") {
            _ = try MathHarness.run1("ReduceSum", [Tensor([true], shape: [1])], opset: 13)
        }
    }

    func testCumSumModes() throws {
        let x = Tensor(shape: [5], data: .float64([1, 2, 3, 4, 5]))
        let axis = Tensor([0] as [Int32], shape: [])
        let cases: [(Int, Int, [Double])] = [
            (0, 0, [1, 3, 6, 10, 15]), (1, 0, [0, 1, 3, 6, 10]),
            (0, 1, [15, 14, 12, 9, 5]), (1, 1, [14, 12, 9, 5, 0]),
        ]
        for (exclusive, reverse, want) in cases {
            let y = try MathHarness.run1("CumSum", [x, axis],
                                         attributes: ["exclusive": .int(exclusive), "reverse": .int(reverse)], opset: 14)
            XCTAssertEqual(y, Tensor(shape: [5], data: .float64(want)), "exclusive=\(exclusive) reverse=\(reverse)")
        }
        let m = Tensor([1, 2, 3, 4, 5, 6] as [Int32], shape: [2, 3])
        XCTAssertEqual(try MathHarness.run1("CumSum", [m, Tensor([0] as [Int64], shape: [1])], opset: 14),
                       Tensor([1, 2, 3, 5, 7, 9] as [Int32], shape: [2, 3]))
        XCTAssertEqual(try MathHarness.run1("CumSum", [m, Tensor(scalar: Int64(-1))], opset: 14),
                       Tensor([1, 3, 6, 4, 9, 15] as [Int32], shape: [2, 3]))
        let f = TestTensors.uniform([3, 4, 5], seed: 2)
        let y = try MathHarness.run1("CumSum", [f, Tensor(scalar: Int64(1))], attributes: ["reverse": .int(1)], opset: 14)
        let v = f.floats!
        var want = [Float](repeating: 0, count: 60)
        for a in 0..<3 {
            for c in 0..<5 {
                var running: Float = 0
                for b in stride(from: 3, through: 0, by: -1) {
                    running += v[(a * 4 + b) * 5 + c]
                    want[(a * 4 + b) * 5 + c] = running
                }
            }
        }
        MathHarness.assertClose(y, Tensor(want, shape: [3, 4, 5]))
    }

    func testCumSumErrors() {
        let x = TestTensors.uniform([2, 3])
        MathHarness.assertKernelError("CumSum", "axis must be an int32 or int64 scalar") {
            _ = try MathHarness.run1("CumSum", [x, Tensor([0, 1] as [Int64], shape: [2])], opset: 14)
        }
        MathHarness.assertKernelError("CumSum", "axis 2 is out of range for rank 2") {
            _ = try MathHarness.run1("CumSum", [x, Tensor(scalar: Int64(2))], opset: 14)
        }
    }
}
