import XCTest
import Foundation
import IR
@testable import Reference
import _TestSupport

/// Softmax, LogSoftmax, BatchNormalization and LayerNormalization against loops.
final class NormalizationTests: XCTestCase {
    /// Softmax of each `[outer, length, inner]` fibre, by the definition (no max shift).
    private func loopSoftmax(_ x: [Float], outer: Int, length: Int, inner: Int, log: Bool) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        for o in 0..<outer {
            for i in 0..<inner {
                var sum = 0.0
                for j in 0..<length { sum += Foundation.exp(Double(x[(o * length + j) * inner + i])) }
                for j in 0..<length {
                    let v = Double(x[(o * length + j) * inner + i])
                    y[(o * length + j) * inner + i] = Float(log ? v - Foundation.log(sum) : Foundation.exp(v) / sum)
                }
            }
        }
        return y
    }

    func testSoftmaxAlongOneAxisFromOpset13() throws {
        let x = TestTensors.uniform([3, 5, 7], in: -4...4, seed: 1)
        let v = x.floats!
        for (axis, outer, length, inner) in [(0, 1, 3, 35), (1, 3, 5, 7), (2, 15, 7, 1), (-2, 3, 5, 7)] {
            for op in ["Softmax", "LogSoftmax"] {
                let y = try MathHarness.run1(op, [x], attributes: ["axis": .int(axis)], opset: 13)
                let want = loopSoftmax(v, outer: outer, length: length, inner: inner, log: op == "LogSoftmax")
                MathHarness.assertClose(y, Tensor(want, shape: x.shape))
            }
        }
        let byDefault = try MathHarness.run1("Softmax", [x], opset: 13)
        MathHarness.assertClose(byDefault, Tensor(loopSoftmax(v, outer: 15, length: 7, inner: 1, log: false), shape: x.shape))
    }

    func testSoftmaxBefore13CoercesTo2D() throws {
        let x = TestTensors.uniform([3, 5, 7], in: -4...4, seed: 2)
        let v = x.floats!
        // Default axis 1: rows of 5·7 = 35 elements.
        let y = try MathHarness.run1("Softmax", [x], opset: 11)
        MathHarness.assertClose(y, Tensor(loopSoftmax(v, outer: 3, length: 35, inner: 1, log: false), shape: x.shape))
        let z = try MathHarness.run1("LogSoftmax", [x], attributes: ["axis": .int(2)], opset: 11)
        MathHarness.assertClose(z, Tensor(loopSoftmax(v, outer: 15, length: 7, inner: 1, log: true), shape: x.shape))
        let all = try MathHarness.run1("Softmax", [x], attributes: ["axis": .int(0)], opset: 1)
        MathHarness.assertClose(all, Tensor(loopSoftmax(v, outer: 1, length: 105, inner: 1, log: false), shape: x.shape))
    }

    func testSoftmaxIsStableForLargeInputsAndSupportsFloat64() throws {
        let x = Tensor([1000, 1001, 1002, 1003, -1000, -1001, -1002, -1003] as [Float], shape: [2, 4])
        let y = try MathHarness.run1("Softmax", [x], opset: 13)
        let row: [Float] = [0.0320586, 0.08714432, 0.23688284, 0.6439143]
        MathHarness.assertClose(y, Tensor(row + row.reversed(), shape: [2, 4]))
        let z = try MathHarness.run1("LogSoftmax", [x], opset: 13)
        XCTAssertEqual(z.floats![3], -0.4401897, accuracy: 1e-5)
        let d = Tensor(shape: [1, 3], data: .float64([1, 2, 3]))
        let sd = try MathHarness.run1("Softmax", [d], opset: 13)
        XCTAssertEqual(sd.dataType, .float64)
        XCTAssertEqual(sd.doubleValues()![2], 0.6652409557748219, accuracy: 1e-12)
    }

    func testSoftmaxErrors() {
        MathHarness.assertKernelError("Softmax", "axis 3 is out of range for rank 2") {
            _ = try MathHarness.run1("Softmax", [TestTensors.uniform([2, 3])], attributes: ["axis": .int(3)], opset: 13)
        }
        MathHarness.assertKernelError("Softmax", "int64") {
            _ = try MathHarness.run1("Softmax", [TestTensors.integers([2, 3], in: 0...2)], opset: 13)
        }
    }

    func testBatchNormalizationInference() throws {
        let x = TestTensors.uniform([2, 3, 5], seed: 3)
        let scale = Tensor([1, 1.5, -2] as [Float], shape: [3]), bias = Tensor([0, 1, -1] as [Float], shape: [3])
        let mean = Tensor([0.1, -0.2, 0.3] as [Float], shape: [3]), variance = Tensor([1, 0.5, 2] as [Float], shape: [3])
        let y = try MathHarness.run1("BatchNormalization", [x, scale, bias, mean, variance],
                                     attributes: ["epsilon": .float(1e-2)], opset: 15)
        var want = [Float](repeating: 0, count: 30)
        let xv = x.floats!
        for n in 0..<2 {
            for c in 0..<3 {
                for i in 0..<5 {
                    let k = (n * 3 + c) * 5 + i
                    want[k] = (xv[k] - mean.floats![c]) / (variance.floats![c] + 0.01).squareRoot()
                        * scale.floats![c] + bias.floats![c]
                }
            }
        }
        MathHarness.assertClose(y, Tensor(want, shape: x.shape))
    }

    func testBatchNormalizationErrors() {
        let x = TestTensors.uniform([2, 3, 4]), p = TestTensors.uniform([3], in: 0.5...1)
        MathHarness.assertKernelError("BatchNormalization", "training_mode=1") {
            _ = try MathHarness.run1("BatchNormalization", [x, p, p, p, p], attributes: ["training_mode": .int(1)], opset: 15)
        }
        MathHarness.assertKernelError("BatchNormalization", "input_var must be float32 or float64 of shape [3]") {
            _ = try MathHarness.run1("BatchNormalization", [x, p, p, p, TestTensors.uniform([4])], opset: 15)
        }
        MathHarness.assertKernelError("BatchNormalization", "spatial=0") {
            _ = try MathHarness.run1("BatchNormalization", [x, p, p, p, p], attributes: ["spatial": .int(0)], opset: 7)
        }
    }

    func testLayerNormalizationWithStatistics() throws {
        let x = TestTensors.uniform([2, 3, 5], in: -3...3, seed: 4)
        let scale = TestTensors.uniform([3, 5], seed: 5), bias = TestTensors.uniform([3, 5], seed: 6)
        let outs = try MathHarness.run("LayerNormalization", [x, scale, bias],
                                       attributes: ["axis": .int(1), "epsilon": .float(0.1)], outputs: 3)
        let xv = x.floats!, s = scale.floats!, b = bias.floats!
        var want = [Float](repeating: 0, count: 30), means: [Float] = [], invs: [Float] = []
        for r in 0..<2 {
            let row = xv[(r * 15)..<(r * 15 + 15)].map { Double($0) }
            let mean = row.reduce(0, +) / 15
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 15
            let inv = 1 / (variance + 0.1).squareRoot()
            for i in 0..<15 { want[r * 15 + i] = Float((row[i] - mean) * inv * Double(s[i]) + Double(b[i])) }
            means.append(Float(mean))
            invs.append(Float(inv))
        }
        MathHarness.assertClose(outs[0], Tensor(want, shape: x.shape))
        MathHarness.assertClose(outs[1], Tensor(means, shape: [2, 1, 1]))
        MathHarness.assertClose(outs[2], Tensor(invs, shape: [2, 1, 1]))
    }

    func testLayerNormalizationDefaultsBroadcastScaleAndFloat64() throws {
        let x = Tensor([1, 2, 3, 4, 10, 10, 10, 10] as [Float], shape: [2, 4])
        // Default axis −1, no bias, scale of shape [1] broadcast over the 4 normalized elements.
        let y = try MathHarness.run1("LayerNormalization", [x, Tensor([2] as [Float], shape: [1])])
        let inv = 1 / (1.25 + 1e-5).squareRoot()
        let want = [-1.5, -0.5, 0.5, 1.5].map { Float($0 * inv * 2) } + [0, 0, 0, 0]
        MathHarness.assertClose(y, Tensor(want, shape: [2, 4]))
        let d = Tensor(shape: [1, 2], data: .float64([1, 3]))
        let outs = try MathHarness.run("LayerNormalization", [d, Tensor(shape: [2], data: .float64([1, 1]))], outputs: 3)
        XCTAssertEqual(outs[0].dataType, .float64)
        XCTAssertEqual(outs[1], Tensor([2] as [Float], shape: [1, 1]), "stash_type 1: Mean is float32")
    }

    func testLayerNormalizationErrors() {
        let x = TestTensors.uniform([2, 3, 4])
        MathHarness.assertKernelError("LayerNormalization", "does not broadcast to the normalized shape [4]") {
            _ = try MathHarness.run1("LayerNormalization", [x, TestTensors.uniform([3])])
        }
        MathHarness.assertKernelError("LayerNormalization", "axis -4 is out of range") {
            _ = try MathHarness.run1("LayerNormalization", [x, TestTensors.uniform([4])], attributes: ["axis": .int(-4)])
        }
        MathHarness.assertKernelError("LayerNormalization", "stash_type 10") {
            _ = try MathHarness.run1("LayerNormalization", [x, TestTensors.uniform([4])], attributes: ["stash_type": .int(10)])
        }
    }
}
