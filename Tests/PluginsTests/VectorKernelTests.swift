import Foundation
import Kernels
import XCTest

/// The SIMD row kernels (`Kernels/Vector`) against plain Double loops, on
/// lengths that are not multiples of the SIMD width.
final class VectorKernelTests: XCTestCase {
    private let lengths = [1, 3, 7, 8, 9, 17, 63, 256]

    /// Relative error ≤ 3·10⁻⁷ wherever the result is a normal float; the
    /// documented flush to 0 below −87.34 and +∞ above 88.38.
    func testExpAccuracyOverMinus100To100() {
        var worst: Double = 0
        var x: Float = -100
        while x <= 100 {
            let got = Vector.exp(x), want = Foundation.exp(Double(x))
            if x < -87.34 {
                XCTAssertEqual(got, 0, "exp(\(x))")
            } else if x > 88.38 {
                XCTAssertEqual(got, .infinity, "exp(\(x))")
            } else if x > -87.33 && x < 88.37 {
                worst = got.isNaN ? .infinity : max(worst, abs(Double(got) - want) / want)
            }
            x += 0.00731
        }
        XCTAssertLessThan(worst, 3e-7, "worst relative error of Vector.exp")
    }

    /// GELU (erf and tanh forms) on every code path against Double, over [-12, 12] and in
    /// lengths with masked tails: absolute error ≤ 2e-6 + 1e-6·|x| (fp32 rounding of ½x(1 + ·)).
    func testGeluMatchesDoubleOnEveryPath() {
        let xs = stride(from: -12.0, through: 12.0, by: 0.0037).map { Float($0) } + [0, -0.0, 1e-8, -1e-8, 40, -40]
        let best = VectorMath.isa
        for isa in VectorMath.ISA.allCases where isa.rawValue <= best.rawValue {
            VectorMath.capISA(isa)
            defer { VectorMath.capISA(nil) }
            for tanhForm in [false, true] {
                var y = [Float](repeating: .nan, count: xs.count)
                xs.withUnsafeBufferPointer { px in
                    y.withUnsafeMutableBufferPointer { py in
                        if tanhForm { VectorMath.geluTanh(px.baseAddress!, py.baseAddress!, xs.count) } else {
                            VectorMath.gelu(px.baseAddress!, py.baseAddress!, xs.count)
                        }
                    }
                }
                var worst = 0.0
                for (x, got) in zip(xs, y) {
                    let v = Double(x)
                    let want = tanhForm ? 0.5 * v * (1 + Foundation.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))
                        : 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot()))
                    let err = got.isNaN ? .infinity : abs(Double(got) - want) / (2e-6 + 1e-6 * abs(v))
                    worst = max(worst, err)
                }
                XCTAssertLessThanOrEqual(worst, 1, "\(isa) \(tanhForm ? "gelu_tanh" : "gelu"): worst error in units of the bound")
            }
        }
    }

    /// The GEMM epilogue `act(α·C + bias) + residual` for every activation, and swish and sigmoid
    /// on their own, on every code path, at widths with masked tails, against Double.
    func testEpilogueAndActivationsMatchDoubleOnEveryPath() {
        func reference(_ v: Double, _ act: GEMM.Activation) -> Double {
            let sigmoid = 1 / (1 + Foundation.exp(-v))
            switch act {
            case .none: return v
            case .relu: return max(v, 0)
            case .swish: return v * sigmoid
            case .sigmoid: return sigmoid
            case .gelu: return 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot()))
            case .geluTanh: return 0.5 * v * (1 + Foundation.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)))
            }
        }
        let best = VectorMath.isa
        let acts: [GEMM.Activation] = [.none, .relu, .swish, .sigmoid, .gelu, .geluTanh]
        for isa in VectorMath.ISA.allCases where isa.rawValue <= best.rawValue {
            VectorMath.capISA(isa)
            defer { VectorMath.capISA(nil) }
            for n in [1, 7, 8, 15, 16, 17, 33] {
                let (m, ldc) = (3, n + 5)
                let c0 = (0..<(m * ldc)).map { Float(sin(Double($0) * 0.37)) * 24 }
                let bias = (0..<n).map { Float(cos(Double($0))) }
                let residual = (0..<(m * n)).map { Float($0 % 5) - 2 }
                for act in acts {
                    var c = c0
                    c.withUnsafeMutableBufferPointer { pc in
                        bias.withUnsafeBufferPointer { pb in
                            residual.withUnsafeBufferPointer { pr in
                                GEMM.Epilogue(alpha: 0.5, bias: pb.baseAddress, activation: act, residual: pr.baseAddress, residualStride: n)
                                    .apply(pc.baseAddress!, ldc: ldc, rows: 0..<m, cols: 0..<n)
                            }
                        }
                    }
                    for i in 0..<m {
                        for j in 0..<ldc {
                            let at = i * ldc + j
                            guard j < n else { XCTAssertEqual(c[at], c0[at], "\(isa) \(act) n \(n): past the columns"); continue }
                            let want = reference(0.5 * Double(c0[at]) + Double(bias[j]), act) + Double(residual[i * n + j])
                            XCTAssertEqual(Double(c[at]), want, accuracy: 4e-6 + 1e-6 * abs(want), "\(isa) \(act) n \(n) (\(i), \(j))")
                        }
                    }
                }
                // Swish and sigmoid over contiguous values (the depthwise convolution's and GLU's path).
                let xs = (0..<(4 * n)).map { Float($0) * 0.9 - 30 }
                for (name, act) in [("swish", GEMM.Activation.swish), ("sigmoid", .sigmoid)] {
                    var y = [Float](repeating: .nan, count: xs.count)
                    xs.withUnsafeBufferPointer { px in
                        y.withUnsafeMutableBufferPointer { py in
                            if act == .swish { VectorMath.swish(px.baseAddress!, py.baseAddress!, xs.count) } else {
                                VectorMath.sigmoid(px.baseAddress!, py.baseAddress!, xs.count)
                            }
                        }
                    }
                    for (x, got) in zip(xs, y) {
                        let want = reference(Double(x), act)
                        XCTAssertEqual(Double(got), want, accuracy: 1e-7 + 1e-6 * abs(want), "\(isa) \(name)(\(x))")
                    }
                }
            }
        }
    }

    func testExpEdgeCases() {
        XCTAssertEqual(Vector.exp(Float.infinity), .infinity)
        XCTAssertEqual(Vector.exp(-Float.infinity), 0)
        XCTAssertTrue(Vector.exp(Float.nan).isNaN)
        XCTAssertEqual(Vector.exp(0), 1)
        XCTAssertEqual(Vector.exp(Float.greatestFiniteMagnitude), .infinity)
        XCTAssertEqual(Vector.exp(-Float.greatestFiniteMagnitude), 0)
        let lanes = Vector.exp(SIMD8<Float>(-.infinity, .infinity, .nan, 0, 1, -1, 88, -87))
        XCTAssertEqual(lanes[0], 0)
        XCTAssertEqual(lanes[1], .infinity)
        XCTAssertTrue(lanes[2].isNaN)
        XCTAssertEqual(lanes[3], 1)
        for (k, v) in [(4, 1.0), (5, -1.0), (6, 88.0), (7, -87.0)] {
            XCTAssertEqual(Double(lanes[k]), Foundation.exp(v), accuracy: Foundation.exp(v) * 3e-7)
        }
    }

    func testExpInPlaceCoversTails() {
        for n in lengths {
            var a = (0..<n).map { Float($0) * 0.3 - 5 }
            let want = a.map { Foundation.exp(Double($0)) }
            a.withUnsafeMutableBufferPointer { Vector.expInPlace($0.baseAddress!, n) }
            for j in 0..<n { XCTAssertEqual(Double(a[j]), want[j], accuracy: want[j] * 3e-7, "n \(n) j \(j)") }
        }
    }

    func testSoftmaxMatchesDoubleAndHandlesMaskedEntries() {
        let best = VectorMath.isa
        for isa in VectorMath.ISA.allCases where isa.rawValue <= best.rawValue {
            VectorMath.capISA(isa)
            defer { VectorMath.capISA(nil) }
            checkSoftmax()
            var withNaN: [Float] = [1, 2, .nan, 3, 4, 5, 6, 7, 8]
            withNaN.withUnsafeMutableBufferPointer { Vector.softmax($0.baseAddress!, 9) }
            XCTAssertTrue(withNaN.allSatisfy(\.isNaN), "\(isa): a row holding NaN gives NaN")
        }
    }

    /// The undivided softmax of x·scale + mask: exponentials and their sum, on every ISA, with
    /// and without a mask (−∞ keys included); NaN and all −∞ rows take the exact path.
    func testSoftmaxExponentialsMatchDouble() {
        let best = VectorMath.isa
        for isa in VectorMath.ISA.allCases where isa.rawValue <= best.rawValue {
            VectorMath.capISA(isa)
            defer { VectorMath.capISA(nil) }
            for n in lengths + [1000] {
                for masked in [false, true] {
                    var row = (0..<n).map { Float(sin(Double($0) * 1.7)) * 20 }
                    var mask = (0..<n).map { Float(cos(Double($0) * 0.7)) * 3 }
                    if n > 2 { mask[1] = -.infinity }
                    let scale: Float = 0.125
                    let logits = (0..<n).map { Double(row[$0]) * Double(scale) + (masked ? Double(mask[$0]) : 0) }
                    let m = logits.max()!
                    let e = logits.map { Foundation.exp($0 - m) }, total = e.reduce(0, +)
                    let sum = row.withUnsafeMutableBufferPointer { p in
                        mask.withUnsafeBufferPointer { Vector.softmaxExponentials(p.baseAddress!, n, scale: scale, mask: masked ? $0.baseAddress! : nil) }
                    }
                    // The result divides what p holds (the portable path divides already and returns 1).
                    let held = row.map(Double.init).reduce(0, +)
                    XCTAssertEqual(Double(sum), held, accuracy: held * 1e-5, "\(isa) n \(n) mask \(masked)")
                    for j in 0..<n { XCTAssertEqual(Double(row[j]) / Double(sum), e[j] / total, accuracy: 1e-6, "\(isa) n \(n) j \(j)") }
                    if n > 2 && masked { XCTAssertEqual(row[1], 0) }
                }
            }
            var withNaN: [Float] = [1, 2, .nan, 3, 4, 5, 6, 7, 8]
            XCTAssertEqual(withNaN.withUnsafeMutableBufferPointer { Vector.softmaxExponentials($0.baseAddress!, 9, scale: 2, mask: nil) }, 1)
            XCTAssertTrue(withNaN.allSatisfy(\.isNaN), "\(isa): a row holding NaN gives NaN")
            var allMasked: [Float] = Array(repeating: 1, count: 11), minusInf = [Float](repeating: -.infinity, count: 11)
            _ = allMasked.withUnsafeMutableBufferPointer { p in
                minusInf.withUnsafeBufferPointer { Vector.softmaxExponentials(p.baseAddress!, 11, scale: 1, mask: $0.baseAddress!) }
            }
            XCTAssertTrue(allMasked.allSatisfy(\.isNaN), "\(isa): an all −∞ row is 0/0, as ONNX Softmax")
        }
    }

    private func checkSoftmax() {
        for n in lengths + [1000] {
            var row = (0..<n).map { Float(sin(Double($0) * 1.7)) * 20 }
            if n > 2 { row[1] = -.infinity }
            let m = row.map(Double.init).max()!
            let e = row.map { Foundation.exp(Double($0) - m) }, total = e.reduce(0, +)
            row.withUnsafeMutableBufferPointer { Vector.softmax($0.baseAddress!, n) }
            for j in 0..<n { XCTAssertEqual(Double(row[j]), e[j] / total, accuracy: 1e-6, "n \(n) j \(j)") }
            if n > 2 { XCTAssertEqual(row[1], 0) }
        }
        var masked: [Float] = Array(repeating: -.infinity, count: 11)
        masked.withUnsafeMutableBufferPointer { Vector.softmax($0.baseAddress!, 11) }
        XCTAssertTrue(masked.allSatisfy(\.isNaN), "an all −∞ row is 0/0, as ONNX Softmax")
    }

    func testReductionsMatchDouble() {
        for n in lengths {
            let a = (0..<n).map { Float(cos(Double($0) * 0.9)) + 1000 }, b = (0..<n).map { Float($0 % 5) - 2 }
            let mean = a.map(Double.init).reduce(0, +) / Double(n)
            let variance = a.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(n)
            let dot = zip(a, b).map { Double($0) * Double($1) }.reduce(0, +)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    let (m, v) = Vector.meanVariance(pa.baseAddress!, n)
                    XCTAssertEqual(Double(m), mean, accuracy: abs(mean) * 1e-6, "mean n \(n)")
                    XCTAssertEqual(Double(v), variance, accuracy: max(variance, 1e-3) * 1e-3, "variance n \(n)")
                    XCTAssertEqual(Double(Vector.dot(pa.baseAddress!, pb.baseAddress!, n)), dot, accuracy: max(abs(dot), 1) * 1e-5)
                    XCTAssertEqual(Vector.max(pa.baseAddress!, n), a.max()!)
                    XCTAssertEqual(Double(Vector.sum(pb.baseAddress!, n)), b.map(Double.init).reduce(0, +), accuracy: 1e-4)
                }
            }
        }
    }

    func testAddBiasOverThreadsMatchesScalar() {
        let (rows, columns, stride) = (37, 13, 15)
        var data = (0..<(rows * stride)).map { Float($0 % 11) }
        let bias = (0..<columns).map { Float($0) * 0.5 }
        var want = data
        for r in 0..<rows { for j in 0..<columns { want[r * stride + j] += bias[j] } }
        data.withUnsafeMutableBufferPointer { p in
            bias.withUnsafeBufferPointer { b in
                Vector.addBias(p.baseAddress!, rows: rows, columns: columns, stride: stride, bias: b.baseAddress!,
                               threads: ThreadPool(threads: 2), parallelFloats: 1)
            }
        }
        XCTAssertEqual(data, want)
    }
}
