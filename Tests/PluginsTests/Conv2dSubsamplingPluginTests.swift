import IR
import Kernels
import Plugins
import XCTest
import _TestSupport

/// Conv2dSubsampling against Conv → Relu → Conv → Relu → Transpose → Reshape
/// run op by op, at odd lengths, for every tactic.
final class Conv2dSubsamplingPluginTests: XCTestCase {
    private let pool = ThreadPool(threads: 2)
    private typealias N = PluginCheck

    /// The unfused front end on X [B, 1, T, F] with C channels.
    static func subgraph(c: Int, f: Int, seed: UInt64) -> (Graph, [String: Tensor]) {
        let conv: [String: Attribute] = ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([0, 0, 0, 0])]
        let f2 = ((f - 1) / 2 - 1) / 2
        let weights: [String: Tensor] = [
            "w1": TestTensors.uniform([c, 1, 3, 3], seed: seed), "b1": TestTensors.uniform([c], seed: seed + 1),
            "w2": TestTensors.uniform([c, c, 3, 3], in: -0.3...0.3, seed: seed + 2), "b2": TestTensors.uniform([c], seed: seed + 3),
            "shape": Tensor([0, 0, Int64(c * f2)] as [Int64], shape: [3]),
        ]
        let nodes = [
            N.node("Conv", ["x", "w1", "b1"], "c1", conv), N.node("Relu", ["c1"], "r1"),
            N.node("Conv", ["r1", "w2", "b2"], "c2", conv), N.node("Relu", ["c2"], "r2"),
            N.node("Transpose", ["r2"], "tr", ["perm": .ints([0, 2, 1, 3])]), N.node("Reshape", ["tr", "shape"], "y"),
        ]
        return (N.graph(nodes, inputs: ["x"], outputs: ["y"], initializers: weights), weights)
    }

    func testMatchesConvReluTransposeReshapeForEveryTactic() throws {
        let plugin = try Conv2dSubsamplingPlugin(attributes: [:])
        // The last case spans two blocks of the im2col matrix (215 frames of F'' = 19 each per block).
        for (b, t, f, c) in [(1, 7, 9, 3), (2, 16, 13, 4), (3, 45, 11, 5), (2, 64, 20, 8), (2, 450, 80, 3)] {
            let (graph, w) = Self.subgraph(c: c, f: f, seed: UInt64(t))
            let x = TestTensors.uniform([b, 1, t, f], seed: 9)
            let expected = try N.reference(graph, ["x": x])
            let weights = [w["w1"], w["b1"], w["w2"], w["b2"]]
            for tactic in plugin.tactics(inputShapes: [x.shape]) {
                N.assertClose(try plugin.run([x] + weights, tactic: tactic, threads: pool)[0], expected, "\(b)x\(t)x\(f) C\(c) \(tactic)")
                // The same data as [B, T, F] (the Unsqueeze absorbed).
                let x3 = x.reshaped([b, t, f])
                N.assertClose(try plugin.run([x3] + weights, tactic: tactic, threads: ThreadPool(threads: 1))[0], expected,
                              "rank 3 \(b)x\(t) \(tactic)")
            }
        }
    }

    func testOutputTypeIsSymbolicInTime() throws {
        let plugin = try Conv2dSubsamplingPlugin(attributes: [:])
        let weights: [ValueType?] = [ValueType(.float32, Shape([4, 1, 3, 3])), ValueType(.float32, Shape([4])),
                                     ValueType(.float32, Shape([4, 4, 3, 3])), ValueType(.float32, Shape([4]))]
        let x = ValueType(.float32, Shape([Dim.symbol("B"), Dim.symbol("T"), Dim.value(80)]))
        let types = try plugin.outputTypes([x] + weights)
        XCTAssertEqual(types[0].shape?.rank, 3)
        XCTAssertEqual(types[0].shape?[2], Dim.value(4 * 19))
        XCTAssertNil(types[0].shape?[1].value)
        let fixed = try plugin.outputTypes([ValueType(.float32, Shape([2, 1, 256, 80]))] + weights)
        XCTAssertEqual(fixed[0].shape, Shape([2, 63, 76]))
    }

    func testRejectsBadShapesAndTactics() throws {
        XCTAssertThrowsError(try Conv2dSubsamplingPlugin(attributes: ["stride": .int(2)]))
        let plugin = try Conv2dSubsamplingPlugin(attributes: [:])
        let (_, w) = Self.subgraph(c: 3, f: 9, seed: 1)
        let weights = [w["w1"], w["b1"], w["w2"], w["b2"]]
        XCTAssertThrowsError(try plugin.outputTypes([ValueType(.float32, [1, 2, 9, 9])] + weights.map { ValueType($0!.dataType, Shape($0!.shape)) }))
        XCTAssertThrowsError(try plugin.run([TestTensors.uniform([1, 5, 9], seed: 1)] + weights)) { XCTAssertTrue("\($0)".contains("Conv2dSubsampling")) }
        XCTAssertThrowsError(try plugin.run([TestTensors.uniform([1, 9, 9], seed: 1)] + weights, tactic: "nope")) {
            XCTAssertTrue("\($0)".contains("nope"))
        }
        let badW2 = TestTensors.uniform([3, 2, 3, 3], seed: 4)
        XCTAssertThrowsError(try plugin.run([TestTensors.uniform([1, 9, 9], seed: 1), w["w1"], w["b1"], badW2, w["b2"]]))
    }
}
