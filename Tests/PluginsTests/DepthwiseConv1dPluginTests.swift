import IR
import Kernels
import Plugins
import XCTest
import _TestSupport

/// DepthwiseConv1d against Conv(group = C) and the activation as ONNX ops, over odd sizes and pads.
final class DepthwiseConv1dPluginTests: XCTestCase {
    private let pool = ThreadPool(threads: 2)
    private typealias N = PluginCheck

    func testMatchesGroupedConvWithActivation() throws {
        for (b, c, t, k, pads) in [(2, 5, 11, 15, [7, 7]), (1, 3, 4, 3, [0, 2]), (3, 2, 2, 5, [2, 2])] {
            let x = TestTensors.uniform([b, c, t], seed: 1), w = TestTensors.uniform([c, 1, k], seed: 2)
            let bias = TestTensors.uniform([c], seed: 3)
            let conv = N.node("Conv", ["x", "w", "b"], "conv", ["group": .int(c), "kernel_shape": .ints([k]), "pads": .ints(pads)])
            let graph = N.graph([conv, N.node("Sigmoid", ["conv"], "s"), N.node("Mul", ["conv", "s"], "y")],
                                inputs: ["x"], outputs: ["y"], initializers: ["w": w, "b": bias])
            let plugin = try DepthwiseConv1dPlugin(attributes: ["pads": .ints(pads), "activation": .string("swish")])
            N.assertClose(try plugin.run([x, w, bias], threads: pool)[0], try N.reference(graph, ["x": x]), "\(b)x\(c)x\(t) k\(k) \(pads)")
            let plain = try DepthwiseConv1dPlugin(attributes: ["pads": .ints(pads)])
            N.assertClose(try plain.run([x, w, nil], threads: pool)[0],
                          try N.reference(N.graph([N.node("Conv", ["x", "w"], "y", conv.attributes)], inputs: ["x"], outputs: ["y"],
                                                  initializers: ["w": w]), ["x": x]), "no bias \(pads)")
        }
    }

    func testRejectsBadPadsAndShapes() throws {
        XCTAssertThrowsError(try DepthwiseConv1dPlugin(attributes: ["pads": .ints([1])])) { XCTAssertTrue("\($0)".contains("pads")) }
        let plugin = try DepthwiseConv1dPlugin(attributes: ["pads": .ints([1, 1])])
        XCTAssertThrowsError(try plugin.outputTypes([ValueType(.float32, [1, 2, 5]), ValueType(.float32, [2, 2, 3])]))
    }
}
