import XCTest
import IR
@testable import Reference
import _TestSupport

/// Conv through the executor against a direct N-D loop.
final class ConvolutionTests: XCTestCase {
    private func unravel(_ i: Int, _ shape: [Int]) -> [Int] {
        var rest = i
        var out = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            out[d] = rest % shape[d]
            rest /= shape[d]
        }
        return out
    }

    /// The convolution by its definition, with explicit begin pads and output size.
    private func directConv(x: Tensor, w: Tensor, bias: Tensor?, group: Int, strides: [Int], dilations: [Int],
                            padsBegin: [Int], outSize: [Int]) -> Tensor {
        let xs = x.doubleValues()!, ws = w.doubleValues()!, bs = bias?.doubleValues()
        let (n, c, m) = (x.shape[0], x.shape[1], w.shape[0])
        let inSize = Array(x.shape[2...]), kSize = Array(w.shape[2...])
        let cg = c / group, mg = m / group
        let inCount = inSize.reduce(1, *), kCount = kSize.reduce(1, *), outCount = outSize.reduce(1, *)
        var y = [Float](repeating: 0, count: n * m * outCount)
        for b in 0..<n {
            for oc in 0..<m {
                let g = oc / mg
                for o in 0..<outCount {
                    let pos = unravel(o, outSize)
                    var acc = bs?[oc] ?? 0
                    for ic in 0..<cg {
                        for t in 0..<kCount {
                            let tap = unravel(t, kSize)
                            var offset = 0, inside = true
                            for d in 0..<pos.count {
                                let i = pos[d] * strides[d] - padsBegin[d] + tap[d] * dilations[d]
                                if i < 0 || i >= inSize[d] { inside = false; break }
                                offset = offset * inSize[d] + i
                            }
                            guard inside else { continue }
                            acc += xs[(b * c + g * cg + ic) * inCount + offset] * ws[(oc * cg + ic) * kCount + t]
                        }
                    }
                    y[(b * m + oc) * outCount + o] = Float(acc)
                }
            }
        }
        return Tensor(y, shape: [n, m] + outSize)
    }

    func testOnnxExampleWithAndWithoutPadding() throws {
        let x = Tensor((0..<25).map { Float($0) }, shape: [1, 1, 5, 5])
        let w = Tensor([Float](repeating: 1, count: 9), shape: [1, 1, 3, 3])
        let padded = try MathHarness.run1("Conv", [x, w], attributes: ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])])
        XCTAssertEqual(padded, Tensor([12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81,
                                       93, 144, 153, 162, 111, 72, 111, 117, 123, 84] as [Float], shape: [1, 1, 5, 5]))
        let valid = try MathHarness.run1("Conv", [x, w])
        XCTAssertEqual(valid, Tensor([54, 63, 72, 99, 108, 117, 144, 153, 162] as [Float], shape: [1, 1, 3, 3]))
    }

    func testStridesDilationsAsymmetricPadsAndBias2D() throws {
        let x = TestTensors.uniform([2, 3, 11, 9], seed: 1), w = TestTensors.uniform([5, 3, 3, 2], seed: 2)
        let b = TestTensors.uniform([5], seed: 3)
        let y = try MathHarness.run1("Conv", [x, w, b], attributes: [
            "strides": .ints([2, 3]), "dilations": .ints([2, 1]), "pads": .ints([1, 0, 2, 1]),
        ])
        // out = ⌊(11 + 3 − 4 − 1)/2⌋ + 1 = 5, ⌊(9 + 1 − 1 − 1)/3⌋ + 1 = 3
        let want = directConv(x: x, w: w, bias: b, group: 1, strides: [2, 3], dilations: [2, 1],
                              padsBegin: [1, 0], outSize: [5, 3])
        MathHarness.assertClose(y, want, atol: 1e-5)
    }

    func testGroupedAndDepthwise1D() throws {
        // Depthwise, as in the Conformer convolution module: C = group = 7, kernel 5, "same" padding.
        let x = TestTensors.uniform([2, 7, 13], seed: 4), w = TestTensors.uniform([7, 1, 5], seed: 5)
        let b = TestTensors.uniform([7], seed: 6)
        let y = try MathHarness.run1("Conv", [x, w, b], attributes: ["group": .int(7), "pads": .ints([2, 2])])
        MathHarness.assertClose(y, directConv(x: x, w: w, bias: b, group: 7, strides: [1], dilations: [1],
                                              padsBegin: [2], outSize: [13]))
        // Two groups with a channel multiplier of 3.
        let x2 = TestTensors.uniform([1, 4, 17], seed: 7), w2 = TestTensors.uniform([6, 2, 3], seed: 8)
        let y2 = try MathHarness.run1("Conv", [x2, w2], attributes: ["group": .int(2), "strides": .ints([2])])
        MathHarness.assertClose(y2, directConv(x: x2, w: w2, bias: nil, group: 2, strides: [2], dilations: [1],
                                               padsBegin: [0], outSize: [8]))
    }

    func testAutoPadModes() throws {
        let x = TestTensors.uniform([1, 2, 7, 5], seed: 9), w = TestTensors.uniform([3, 2, 3, 3], seed: 10)
        // SAME on a 7×4 input, stride 2: out = ⌈in / s⌉ = [4, 2]; total pads (out−1)·s + k − in
        // are 2 (split 1 + 1) and 1 (odd: UPPER puts it at the end, LOWER at the beginning).
        for (mode, begin) in [("SAME_UPPER", [1, 0]), ("SAME_LOWER", [1, 1])] {
            let x4 = TestTensors.uniform([1, 2, 7, 4], seed: 11)
            let y = try MathHarness.run1("Conv", [x4, w], attributes: ["auto_pad": .string(mode), "strides": .ints([2, 2])])
            MathHarness.assertClose(y, directConv(x: x4, w: w, bias: nil, group: 1, strides: [2, 2], dilations: [1, 1],
                                                  padsBegin: begin, outSize: [4, 2]))
        }
        let valid = try MathHarness.run1("Conv", [x, w], attributes: ["auto_pad": .string("VALID"), "strides": .ints([2, 2])])
        MathHarness.assertClose(valid, directConv(x: x, w: w, bias: nil, group: 1, strides: [2, 2], dilations: [1, 1],
                                                  padsBegin: [0, 0], outSize: [3, 2]))
    }

    func testPointwiseAnd3D() throws {
        let x = TestTensors.uniform([2, 5, 3, 7], seed: 12), w = TestTensors.uniform([3, 5, 1, 1], seed: 13)
        let y = try MathHarness.run1("Conv", [x, w])
        MathHarness.assertClose(y, directConv(x: x, w: w, bias: nil, group: 1, strides: [1, 1], dilations: [1, 1],
                                              padsBegin: [0, 0], outSize: [3, 7]))
        let x3 = TestTensors.uniform([1, 4, 5, 4, 6], seed: 14), w3 = TestTensors.uniform([2, 2, 3, 2, 3], seed: 15)
        let y3 = try MathHarness.run1("Conv", [x3, w3], attributes: ["group": .int(2), "pads": .ints([1, 0, 1, 0, 1, 1])])
        MathHarness.assertClose(y3, directConv(x: x3, w: w3, bias: nil, group: 2, strides: [1, 1, 1],
                                               dilations: [1, 1, 1], padsBegin: [1, 0, 1], outSize: [4, 4, 6]))
    }

    func testErrors() {
        let x = TestTensors.uniform([1, 4, 6, 6]), w = TestTensors.uniform([2, 4, 3, 3])
        MathHarness.assertKernelError("Conv", "group 3") {
            _ = try MathHarness.run1("Conv", [x, w], attributes: ["group": .int(3)])
        }
        MathHarness.assertKernelError("Conv", "kernel_shape [2, 2] does not match") {
            _ = try MathHarness.run1("Conv", [x, w], attributes: ["kernel_shape": .ints([2, 2])])
        }
        MathHarness.assertKernelError("Conv", "kernel larger than padded input") {
            _ = try MathHarness.run1("Conv", [TestTensors.uniform([1, 4, 2, 2]), w])
        }
        MathHarness.assertKernelError("Conv", "auto_pad 'SAME'") {
            _ = try MathHarness.run1("Conv", [x, w], attributes: ["auto_pad": .string("SAME")])
        }
        MathHarness.assertKernelError("Conv", "pads [1, 1] need 4 values") {
            _ = try MathHarness.run1("Conv", [x, w], attributes: ["pads": .ints([1, 1])])
        }
        MathHarness.assertKernelError("Conv", "B must be float32 of shape [2]") {
            _ = try MathHarness.run1("Conv", [x, w, TestTensors.uniform([3])])
        }
        MathHarness.assertKernelError("Conv", "float32 only") {
            let d = Tensor(shape: [1, 1, 3], data: .float64([1, 2, 3]))
            _ = try MathHarness.run1("Conv", [d, d])
        }
        MathHarness.assertKernelError("Conv", "must be in 0...") {
            _ = try MathHarness.run1("Conv", [x, w], attributes: ["pads": .ints([Int.max, 0, 0, 0])])
        }
        MathHarness.assertKernelError("Conv", "must be in 1...") {
            _ = try MathHarness.run1("Conv", [x, w], attributes: ["dilations": .ints([Int.max, 1]),
                                                                  "auto_pad": .string("SAME_UPPER")])
        }
        MathHarness.assertKernelError("Conv", "group \(Int.max)") {
            _ = try MathHarness.run1("Conv", [TestTensors.uniform([1, 0, 3, 3]), TestTensors.uniform([0, 0, 1, 1])],
                                     attributes: ["group": .int(Int.max)])
        }
        MathHarness.assertKernelError("Conv", "'strides' should be INTS but is INT") {
            _ = try MathHarness.run1("Conv", [x, w], attributes: ["strides": .int(2)])
        }
    }
}
