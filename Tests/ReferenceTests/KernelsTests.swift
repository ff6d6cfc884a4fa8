import XCTest
import IR
import Kernels
@testable import Reference
import _TestSupport

/// BLAS and im2col against naive loops, over odd sizes and every transpose.
final class KernelsTests: XCTestCase {
    /// Naive row-major `C = α·op(A)·op(B) + β·C`, in Double.
    private func naiveGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                           a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float,
                           c: [Float], ldc: Int) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var acc = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    acc += Double(x) * Double(y)
                }
                out[i * ldc + j] = Float(Double(alpha) * acc + Double(beta) * Double(c[i * ldc + j]))
            }
        }
        return out
    }

    func testSgemmMatchesNaiveLoopForOddSizesAndTransposes() {
        for (m, n, k) in [(1, 1, 1), (7, 13, 5), (37, 19, 23), (3, 1, 17)] {
            for transA in [false, true] {
                for transB in [false, true] {
                    // Leading dims padded by 2 so the strides are exercised.
                    let lda = (transA ? m : k) + 2, ldb = (transB ? k : n) + 2, ldc = n + 3
                    let a = TestTensors.uniform([(transA ? k : m) * lda], seed: 1).floats!
                    let b = TestTensors.uniform([(transB ? n : k) * ldb], seed: 2).floats!
                    var c = TestTensors.uniform([m * ldc], seed: 3).floats!
                    let expected = naiveGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75,
                                             a: a, lda: lda, b: b, ldb: ldb, beta: -0.5, c: c, ldc: ldc)
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75,
                                           a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                           beta: -0.5, c: pc.baseAddress!, ldc: ldc)
                            }
                        }
                    }
                    let diff = Closeness.maxAbsoluteDifference(Tensor(c, shape: [c.count]),
                                                               Tensor(expected, shape: [expected.count]))
                    XCTAssertLessThan(diff, 1e-4, "m=\(m) n=\(n) k=\(k) transA=\(transA) transB=\(transB)")
                }
            }
        }
    }

    func testSgemmWithEmptyInnerDimensionScalesC() {
        let a: [Float] = [0], b: [Float] = [0]
        var c: [Float] = [1, 2, 3, 4, 5, 6]
        c.withUnsafeMutableBufferPointer { pc in
            BLAS.sgemm(transA: false, transB: false, m: 2, n: 3, k: 0, alpha: 1, a: a, lda: 1,
                       b: b, ldb: 3, beta: 2, c: pc.baseAddress!, ldc: 3)
        }
        XCTAssertEqual(c, [2, 4, 6, 8, 10, 12])
        c.withUnsafeMutableBufferPointer { pc in
            BLAS.sgemm(transA: false, transB: false, m: 2, n: 3, k: 0, alpha: 1, a: a, lda: 1,
                       b: b, ldb: 3, beta: 0, c: pc.baseAddress!, ldc: 3)
        }
        XCTAssertEqual(c, [0, 0, 0, 0, 0, 0])
    }

    func testThreadsAndBuildInformation() {
        let saved = BLAS.threads
        defer { BLAS.threads = saved }
        BLAS.threads = 1
        XCTAssertEqual(BLAS.threads, 1)
        BLAS.threads = 0
        XCTAssertEqual(BLAS.threads, 1, "values below 1 are raised to 1")
        XCTAssertFalse(BLAS.coreName.isEmpty)
        XCTAssertTrue(BLAS.config.contains("OpenBLAS"), BLAS.config)
    }

    func testGeometryOutputSizesAndRejections() throws {
        let g = try XCTUnwrap(ConvGeometry(channels: 3, inputSize: [7, 5], kernelSize: [3, 3], strides: [2, 2],
                                           dilations: [1, 1], padsBegin: [1, 0], padsEnd: [1, 0]))
        XCTAssertEqual(g.outputSize, [4, 2])
        XCTAssertEqual(g.columnRows, 27)
        XCTAssertEqual(g.outputCount, 8)
        XCTAssertFalse(g.isPointwise)
        let dilated = try XCTUnwrap(ConvGeometry(channels: 1, inputSize: [11], kernelSize: [3], strides: [1],
                                                 dilations: [4], padsBegin: [0], padsEnd: [0]))
        XCTAssertEqual(dilated.outputSize, [3])
        XCTAssertNil(ConvGeometry(channels: 1, inputSize: [2], kernelSize: [3], strides: [1],
                                  dilations: [1], padsBegin: [0], padsEnd: [0]), "kernel larger than input")
        XCTAssertNil(ConvGeometry(channels: 1, inputSize: [5], kernelSize: [3], strides: [0],
                                  dilations: [1], padsBegin: [0], padsEnd: [0]), "zero stride")
        XCTAssertNil(ConvGeometry(channels: 1, inputSize: [5, 5], kernelSize: [3], strides: [1],
                                  dilations: [1], padsBegin: [0], padsEnd: [0]), "ranks differ")
        XCTAssertTrue(ConvGeometry(channels: 2, inputSize: [4, 3], kernelSize: [1, 1], strides: [1, 1],
                                   dilations: [1, 1], padsBegin: [0, 0], padsEnd: [0, 0])!.isPointwise)
    }

    /// The im2col value for row (c, tap) and column (output position), computed directly.
    private func naiveColumn(_ g: ConvGeometry, _ input: [Float], c: Int, tap: [Int], out: [Int]) -> Float {
        var offset = c * g.inputCount, step = 1
        var index = [Int](repeating: 0, count: g.inputSize.count)
        for d in 0..<index.count {
            index[d] = out[d] * g.strides[d] - g.padsBegin[d] + tap[d] * g.dilations[d]
            if index[d] < 0 || index[d] >= g.inputSize[d] { return 0 }
        }
        for d in stride(from: index.count - 1, through: 0, by: -1) {
            offset += index[d] * step
            step *= g.inputSize[d]
        }
        return input[offset]
    }

    private func unravel(_ i: Int, _ shape: [Int]) -> [Int] {
        var rest = i
        var out = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            out[d] = rest % shape[d]
            rest /= shape[d]
        }
        return out
    }

    func testIm2colMatchesDirectIndexingIn1D2DAnd3D() throws {
        let cases: [(ConvGeometry?, String)] = [
            (ConvGeometry(channels: 3, inputSize: [13], kernelSize: [5], strides: [2], dilations: [2],
                          padsBegin: [3], padsEnd: [1]), "1-D strided dilated padded"),
            (ConvGeometry(channels: 2, inputSize: [7, 9], kernelSize: [3, 2], strides: [2, 3], dilations: [1, 2],
                          padsBegin: [1, 2], padsEnd: [2, 0]), "2-D asymmetric"),
            (ConvGeometry(channels: 1, inputSize: [3], kernelSize: [3], strides: [1], dilations: [1],
                          padsBegin: [4], padsEnd: [4]), "1-D pads wider than the input"),
            (ConvGeometry(channels: 2, inputSize: [4, 3, 5], kernelSize: [2, 3, 2], strides: [1, 2, 2],
                          dilations: [1, 1, 2], padsBegin: [0, 1, 1], padsEnd: [1, 1, 0]), "3-D"),
        ]
        for (geometry, label) in cases {
            let g = try XCTUnwrap(geometry, label)
            let input = TestTensors.uniform([g.channels * g.inputCount], seed: 7).floats!
            var columns = [Float](repeating: .nan, count: g.columnRows * g.outputCount)
            input.withUnsafeBufferPointer { pi in
                columns.withUnsafeMutableBufferPointer { pc in g.im2col(input: pi.baseAddress!, columns: pc.baseAddress!) }
            }
            for row in 0..<g.columnRows {
                let c = row / g.kernelCount, tap = unravel(row % g.kernelCount, g.kernelSize)
                for col in 0..<g.outputCount {
                    let want = naiveColumn(g, input, c: c, tap: tap, out: unravel(col, g.outputSize))
                    XCTAssertEqual(columns[row * g.outputCount + col], want, "\(label) row \(row) col \(col)")
                }
            }
        }
    }
}

/// Builds one-node graphs and runs them through ``ReferenceExecutor``.
enum MathHarness {
    /// Runs `opType` on `inputs` (nil leaves an optional input out) and returns `outputs` results.
    static func run(_ opType: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:],
                    opset: Int = 17, outputs: Int = 1) throws -> [Tensor] {
        var names: [String] = [], infos: [ValueInfo] = [], feeds: [String: Tensor] = [:]
        for (i, t) in inputs.enumerated() {
            guard let t else { names.append(""); continue }
            names.append("x\(i)")
            infos.append(ValueInfo(name: "x\(i)", type: nil))
            feeds["x\(i)"] = t
        }
        let outs = (0..<outputs).map { "y\($0)" }
        let node = Node(name: "n", opType: opType, inputs: names, outputs: outs, attributes: attributes)
        let graph = Graph(nodes: [node], inputs: infos, outputs: outs.map { ValueInfo(name: $0, type: nil) },
                          opsetImports: ["": opset])
        let results = try ReferenceExecutor(graph: graph).run(feeds)
        return try outs.map { try XCTUnwrap(results[$0]) }
    }

    static func run1(_ opType: String, _ inputs: [Tensor?], attributes: [String: Attribute] = [:],
                     opset: Int = 17) throws -> Tensor {
        try run(opType, inputs, attributes: attributes, opset: opset)[0]
    }

    /// Asserts `body` throws ``ReferenceError/kernel(node:reason:)`` naming the
    /// test node, with a reason containing `fragment`.
    static func assertKernelError(_ opType: String, _ fragment: String, file: StaticString = #filePath,
                                  line: UInt = #line, _ body: () throws -> Void) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard case ReferenceError.kernel(let node, let reason) = error else {
                return XCTFail("expected a kernel error, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(node, "n (\(opType))", file: file, line: line)
            XCTAssertTrue(reason.contains(fragment), "reason '\(reason)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    static func assertClose(_ a: Tensor, _ b: Tensor, atol: Float = 1e-5, rtol: Float = 1e-5,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.dataType, b.dataType, file: file, line: line)
        XCTAssertEqual(a.shape, b.shape, file: file, line: line)
        XCTAssertTrue(Closeness.allClose(a, b, rtol: rtol, atol: atol),
                      "max |diff| \(Closeness.maxAbsoluteDifference(a, b))", file: file, line: line)
    }
}
