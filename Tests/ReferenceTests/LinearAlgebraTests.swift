import XCTest
import IR
@testable import Reference
import _TestSupport

/// MatMul and Gemm through the executor, against plain loops.
final class LinearAlgebraTests: XCTestCase {
    /// Batched `[batch, m, k] · [batch, k, n]` in Double, batches given by index lists.
    private func loopMatMul(_ a: [Double], _ b: [Double], aIndex: [Int], bIndex: [Int],
                            m: Int, n: Int, k: Int) -> [Double] {
        var out = [Double](repeating: 0, count: aIndex.count * m * n)
        for (batch, (ai, bi)) in zip(aIndex, bIndex).enumerated() {
            for i in 0..<m {
                for j in 0..<n {
                    var acc = 0.0
                    for p in 0..<k { acc += a[ai * m * k + i * k + p] * b[bi * k * n + p * n + j] }
                    out[batch * m * n + i * n + j] = acc
                }
            }
        }
        return out
    }

    private func float32(_ v: [Double], _ shape: [Int]) -> Tensor { Tensor(v.map { Float($0) }, shape: shape) }

    func testMatMul2DOddSizes() throws {
        let a = TestTensors.uniform([7, 13], seed: 1), b = TestTensors.uniform([13, 5], seed: 2)
        let y = try MathHarness.run1("MatMul", [a, b])
        let want = loopMatMul(a.doubleValues()!, b.doubleValues()!, aIndex: [0], bIndex: [0], m: 7, n: 5, k: 13)
        MathHarness.assertClose(y, float32(want, [7, 5]))
    }

    func testMatMulBatchBroadcasting() throws {
        // [3, 1, 5, 7] · [1, 2, 7, 3] → [3, 2, 5, 3]; batch (i, j) reads A[i] and B[j].
        let a = TestTensors.uniform([3, 1, 5, 7], seed: 3), b = TestTensors.uniform([1, 2, 7, 3], seed: 4)
        let y = try MathHarness.run1("MatMul", [a, b])
        let want = loopMatMul(a.doubleValues()!, b.doubleValues()!, aIndex: [0, 0, 1, 1, 2, 2],
                              bIndex: [0, 1, 0, 1, 0, 1], m: 5, n: 3, k: 7)
        MathHarness.assertClose(y, float32(want, [3, 2, 5, 3]))
    }

    func testMatMulSharedRightOperandAndBroadcastLeft() throws {
        // B without batch dims: the batches fold into one GEMM.
        let a = TestTensors.uniform([2, 3, 5, 9], seed: 5), w = TestTensors.uniform([9, 11], seed: 6)
        let y = try MathHarness.run1("MatMul", [a, w])
        let want = loopMatMul(a.doubleValues()!, w.doubleValues()!, aIndex: Array(0..<6),
                              bIndex: .init(repeating: 0, count: 6), m: 5, n: 11, k: 9)
        MathHarness.assertClose(y, float32(want, [2, 3, 5, 11]))
        // A without batch dims against batched B.
        let b = TestTensors.uniform([4, 9, 3], seed: 7), x = TestTensors.uniform([5, 9], seed: 8)
        let z = try MathHarness.run1("MatMul", [x, b])
        let want2 = loopMatMul(x.doubleValues()!, b.doubleValues()!, aIndex: [0, 0, 0, 0], bIndex: [0, 1, 2, 3],
                               m: 5, n: 3, k: 9)
        MathHarness.assertClose(z, float32(want2, [4, 5, 3]))
    }

    func testMatMulPromotesVectors() throws {
        let v = Tensor([1, 2, 3] as [Float], shape: [3])
        let dot = try MathHarness.run1("MatMul", [v, Tensor([4, 5, 6] as [Float], shape: [3])])
        XCTAssertEqual(dot, Tensor([32] as [Float], shape: []))
        // [3] · [2, 3, 1] → [2, 1]
        let b = Tensor([1, 0, 0, 0, 1, 1] as [Float], shape: [2, 3, 1])
        XCTAssertEqual(try MathHarness.run1("MatMul", [v, b]), Tensor([1, 5] as [Float], shape: [2, 1]))
        // [1, 2, 2, 3] · [3] → [1, 2, 2]
        let a = Tensor((0..<12).map { Float($0) }, shape: [1, 2, 2, 3])
        XCTAssertEqual(try MathHarness.run1("MatMul", [a, v]), Tensor([8, 26, 44, 62] as [Float], shape: [1, 2, 2]))
    }

    func testMatMulIntegerAndDoubleLoops() throws {
        let a = Tensor([1, 2, 3, 4, 5, 6] as [Int64], shape: [2, 3])
        let b = Tensor([7, 8, 9, 10, 11, 12] as [Int64], shape: [3, 2])
        XCTAssertEqual(try MathHarness.run1("MatMul", [a, b]), Tensor([58, 64, 139, 154] as [Int64], shape: [2, 2]))
        let a32 = Tensor([Int32.max, 1], shape: [1, 2]), b32 = Tensor([2, 3] as [Int32], shape: [2, 1])
        XCTAssertEqual(try MathHarness.run1("MatMul", [a32, b32]), Tensor([Int32.max &* 2 &+ 3], shape: [1, 1]),
                       "int32 wraps like NumPy")
        let d = Tensor(shape: [2, 2], data: .float64([1, 2, 3, 4]))
        XCTAssertEqual(try MathHarness.run1("MatMul", [d, d]), Tensor(shape: [2, 2], data: .float64([7, 10, 15, 22])))
    }

    func testMatMulErrors() {
        MathHarness.assertKernelError("MatMul", "inner dims") {
            _ = try MathHarness.run1("MatMul", [TestTensors.uniform([2, 3]), TestTensors.uniform([4, 2])])
        }
        MathHarness.assertKernelError("MatMul", "do not broadcast") {
            _ = try MathHarness.run1("MatMul", [TestTensors.uniform([2, 2, 3]), TestTensors.uniform([3, 3, 2])])
        }
        MathHarness.assertKernelError("MatMul", "different dtypes") {
            _ = try MathHarness.run1("MatMul", [TestTensors.uniform([2, 3]), TestTensors.integers([3, 2], in: 0...3)])
        }
        MathHarness.assertKernelError("MatMul", "bool") {
            let t = Tensor([true, false, true, false], shape: [2, 2])
            _ = try MathHarness.run1("MatMul", [t, t])
        }
        MathHarness.assertKernelError("MatMul", "rank") {
            _ = try MathHarness.run1("MatMul", [Tensor(scalar: Float(1)), TestTensors.uniform([1])])
        }
    }

    /// `α · op(A) · op(B) + β · C` with C given per output element.
    private func loopGemm(_ a: Tensor, _ b: Tensor, transA: Bool, transB: Bool, alpha: Double, beta: Double,
                          c: (Int, Int) -> Double) -> (values: [Double], m: Int, n: Int) {
        let x = a.doubleValues()!, y = b.doubleValues()!
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let n = transB ? b.shape[0] : b.shape[1]
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc = 0.0
                for p in 0..<k {
                    acc += (transA ? x[p * m + i] : x[i * k + p]) * (transB ? y[j * k + p] : y[p * n + j])
                }
                out[i * n + j] = alpha * acc + beta * c(i, j)
            }
        }
        return (out, m, n)
    }

    func testGemmTransposesScalesAndBiasShapes() throws {
        let (m, n, k) = (5, 7, 3)
        let cShapes: [[Int]?] = [nil, [], [1], [n], [1, n], [m, 1], [m, n]]
        for transA in [false, true] {
            for transB in [false, true] {
                for cShape in cShapes {
                    let a = TestTensors.uniform(transA ? [k, m] : [m, k], seed: 11)
                    let b = TestTensors.uniform(transB ? [n, k] : [k, n], seed: 12)
                    let c = cShape.map { TestTensors.uniform($0, seed: 13) }
                    let attributes: [String: Attribute] = [
                        "transA": .int(transA ? 1 : 0), "transB": .int(transB ? 1 : 0),
                        "alpha": .float(0.25), "beta": .float(0.35),
                    ]
                    let y = try MathHarness.run1("Gemm", [a, b, c], attributes: attributes, opset: 13)
                    let cv = c?.doubleValues() ?? []
                    let want = loopGemm(a, b, transA: transA, transB: transB, alpha: 0.25, beta: 0.35) { i, j in
                        guard let shape = cShape else { return 0 }
                        let row = shape.count == 2 && shape[0] == m ? i : 0
                        let col = shape.last == n ? j : 0
                        return cv[row * (shape.last == n ? n : 1) + col]
                    }
                    MathHarness.assertClose(y, float32(want.values, [m, n]))
                }
            }
        }
    }

    func testGemmDefaultsAndIntegerTypes() throws {
        let a = Tensor([1, 2, 3, 4] as [Int64], shape: [2, 2]), b = Tensor([5, 6, 7, 8] as [Int64], shape: [2, 2])
        let c = Tensor([100] as [Int64], shape: [1])
        XCTAssertEqual(try MathHarness.run1("Gemm", [a, b, c]), Tensor([119, 122, 143, 150] as [Int64], shape: [2, 2]))
        let d = Tensor(shape: [1, 2], data: .float64([1, 2])), e = Tensor(shape: [2, 1], data: .float64([3, 4]))
        XCTAssertEqual(try MathHarness.run1("Gemm", [d, e], attributes: ["alpha": .float(2)]),
                       Tensor(shape: [1, 1], data: .float64([22])))
    }

    func testGemmErrors() {
        let a = TestTensors.uniform([2, 3]), b = TestTensors.uniform([3, 4])
        MathHarness.assertKernelError("Gemm", "does not broadcast") {
            _ = try MathHarness.run1("Gemm", [a, b, TestTensors.uniform([3])])
        }
        MathHarness.assertKernelError("Gemm", "A' is 2x3 but B' is 4x3") {
            _ = try MathHarness.run1("Gemm", [a, b], attributes: ["transB": .int(1)])
        }
        MathHarness.assertKernelError("Gemm", "'alpha' should be FLOAT but is STRING") {
            _ = try MathHarness.run1("Gemm", [a, b], attributes: ["alpha": .string("x")])
        }
        MathHarness.assertKernelError("Gemm", "2-D") {
            _ = try MathHarness.run1("Gemm", [TestTensors.uniform([1, 2, 3]), b])
        }
    }
}
