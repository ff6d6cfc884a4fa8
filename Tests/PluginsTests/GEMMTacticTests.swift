import Foundation
import IR
import Kernels
import Plugins
import Reference
import XCTest
import _TestSupport

/// Every GEMM tactic of the Linear plugin against the reference executor's
/// MatMul + Mul + Add + activation + Add, at odd shapes (M = 1, 3, 17, 70;
/// N not a multiple of 8 or 16; K = 1), on 1 and 2 threads, with the AVX2
/// paths and with the portable fallbacks.
final class GEMMTacticTests: XCTestCase {
    private typealias N = PluginCheck

    private func expected(_ x: Tensor, _ w: Tensor, _ b: Tensor, _ r: Tensor, activation: String) throws -> Tensor {
        var nodes = [N.node("MatMul", ["x", "w"], "m"), N.node("Mul", ["m", "alpha"], "ma"), N.node("Add", ["ma", "b"], "h")]
        var last = "h"
        switch activation {
        case "relu": nodes.append(N.node("Relu", [last], "a")); last = "a"
        case "sigmoid": nodes.append(N.node("Sigmoid", [last], "a")); last = "a"
        case "swish": nodes += [N.node("Sigmoid", [last], "sg"), N.node("Mul", [last, "sg"], "a")]; last = "a"
        case "gelu": nodes.append(N.node("Gelu", [last], "a")); last = "a"
        default: break
        }
        nodes.append(N.node("Add", [last, "r"], "y"))
        let graph = N.graph(nodes, inputs: ["x", "r"], outputs: ["y"],
                            initializers: ["w": w, "b": b, "alpha": Tensor(scalar: 0.5)], opset: 20)
        return try N.reference(graph, ["x": x, "r": r])
    }

    private func checkAllTactics(portable: Bool) throws {
        VectorMath.forcePortable(portable)
        defer { VectorMath.forcePortable(false) }
        // (70 rows: the streaming tactic runs as panels.n beyond GEMM.streamRowLimit.)
        // (N a multiple of 16: W is packed and also runs as gemm.packed.)
        let shapes: [(m: Int, n: Int, k: Int)] = [(1, 13, 5), (3, 37, 1), (17, 40, 33), (64, 21, 19), (70, 21, 19),
                                                  (3, 16, 64), (1, 1, 1), (13, 48, 300), (7, 32, 513)]
        for (si, s) in shapes.enumerated() {
            let x = TestTensors.uniform([s.m, s.k], in: -2...2, seed: UInt64(10 + si))
            let w = TestTensors.uniform([s.k, s.n], seed: UInt64(20 + si))
            let b = TestTensors.uniform([s.n], seed: UInt64(30 + si)), r = TestTensors.uniform([s.m, s.n], seed: UInt64(40 + si))
            for act in ["none", "relu", "sigmoid", "swish", "gelu"] {
                let want = try expected(x, w, b, r, activation: act)
                let plugin = try LinearPlugin(attributes: ["activation": .string(act), "alpha": .float(0.5)])
                for tactic in GEMM.Tactic.allCases {
                    for threads in [1, 2] {
                        let got = try plugin.run([x, w, b, r], tactic: tactic.rawValue, threads: ThreadPool(threads: threads),
                                                 packWeights: false)[0]
                        N.assertClose(got, want, "\(tactic.rawValue) \(s) \(act) \(threads) threads portable=\(portable)")
                    }
                }
                guard s.n % PackedGEMM.panelWidth == 0 else { continue }
                XCTAssertEqual(plugin.tactics(inputShapes: [[s.m, s.k], PackedGEMM.packedShape(k: s.k, n: s.n)]),
                               [LinearPlugin.packedTactic])
                for threads in [1, 2] {
                    let got = try plugin.run([x, w, b, r], threads: ThreadPool(threads: threads))[0]
                    N.assertClose(got, want, "gemm.packed \(s) \(act) \(threads) threads portable=\(portable)")
                }
            }
        }
    }

    func testEveryTacticMatchesTheReference() throws { try checkAllTactics(portable: false) }

    func testPortableFallbacksMatchTheReference() throws { try checkAllTactics(portable: true) }

    /// Without bias, residual or activation (and α = 1) every tactic is a plain product.
    func testPlainProductAndTacticList() throws {
        let x = TestTensors.uniform([2, 3, 9], seed: 1), w = TestTensors.uniform([9, 35], seed: 2)
        let graph = N.graph([N.node("MatMul", ["x", "w"], "y")], inputs: ["x"], outputs: ["y"], initializers: ["w": w])
        let want = try N.reference(graph, ["x": x])
        let plugin = try LinearPlugin(attributes: [:])
        let tactics = plugin.tactics(inputShapes: [[2, 3, 9], [9, 35]])
        XCTAssertTrue(tactics.contains(GEMM.Tactic.stream.rawValue), "6 rows: the streaming kernel is a candidate")
        XCTAssertFalse(plugin.tactics(inputShapes: [[16, 63, 9], [9, 35]]).contains(GEMM.Tactic.stream.rawValue))
        for tactic in tactics {
            N.assertClose(try plugin.run([x, w], tactic: tactic, threads: ThreadPool(threads: 2))[0], want, tactic)
        }
        XCTAssertThrowsError(try plugin.run([x, w], tactic: "gemm.nosuch")) { error in
            XCTAssertEqual(error as? PluginError, .unknownTactic(plugin: LinearPlugin.qualifiedName, tactic: "gemm.nosuch"))
        }
    }

    /// The vectorized sigmoid and swish agree with the scalar formulas over a
    /// wide range (including the clamped tails), with lengths that leave tails.
    func testVectorMathMatchesScalar() {
        for portable in [false, true] {
            VectorMath.forcePortable(portable)
            defer { VectorMath.forcePortable(false) }
            for n in [1, 7, 8, 9, 1003] {
                let x = (0..<n).map { Float($0) / Float(max(n - 1, 1)) * 200 - 100 }
                var s = [Float](repeating: 0, count: n), sw = s
                x.withUnsafeBufferPointer { xp in
                    s.withUnsafeMutableBufferPointer { VectorMath.sigmoid(xp.baseAddress!, $0.baseAddress!, n) }
                    sw.withUnsafeMutableBufferPointer { VectorMath.swish(xp.baseAddress!, $0.baseAddress!, n) }
                }
                for i in 0..<n {
                    let v = Double(x[i]), sig = 1 / (1 + Foundation.exp(-v))
                    XCTAssertEqual(Double(s[i]), sig, accuracy: 1e-6 * max(sig, 1e-30) + 1e-30, "sigmoid(\(v))")
                    XCTAssertEqual(Double(sw[i]), v * sig, accuracy: 1e-6 * abs(v * sig) + 1e-30, "swish(\(v))")
                }
            }
        }
    }
}
