import IR
import Kernels
import Plugins
import Reference
import XCTest
import _TestSupport

/// The attention plugins on ``PackedGEMM``: weights packed at build time or
/// at run time (into the workspace), the AVX2 and the portable tile GEMMs,
/// every tactic on one and two threads, against the unfused subgraphs
/// through the reference executor; T = 1, 3, 17, 63 with lengths shorter than
/// T and an item whose keys are all masked; hidden sizes that are not
/// multiples of 16 (partial panels).
final class AttentionPanelsTests: XCTestCase {
    private typealias N = PluginCheck
    private let pools = [ThreadPool(threads: 1), ThreadPool(threads: 2)]

    /// RelPosAttention's inputs (packed as the builder packs them) and its unfused graph.
    private func relPosCase(h: Int, d: Int, b: Int) -> (inputs: [Tensor], graph: Graph) {
        let c = h * d
        let w = (0..<5).map { TestTensors.uniform([c, c], seed: 140 + UInt64($0)) }
        let bias = (0..<4).map { TestTensors.uniform([c], seed: 150 + UInt64($0)) }
        let u = TestTensors.uniform([h, d], seed: 160), v = TestTensors.uniform([h, d], seed: 161)
        var merged: [Float] = []
        for r in 0..<c { for k in 0..<3 { merged += w[k].floats![(r * c)..<((r + 1) * c)] } }
        let wqkv = Tensor(merged, shape: [c, 3 * c]), bqkv = Tensor(bias[0].floats! + bias[1].floats! + bias[2].floats!, shape: [3 * c])
        return ([wqkv, bqkv, w[3], u, v, w[4], bias[3]], RelPosAttentionPluginTests.unfused(b: b, t: 1, h: h, d: d, w: w, bias: bias, u: u, v: v))
    }

    func testRelPosPacksItsThreeWeightsAndNothingElse() throws {
        let (h, d) = (2, 5)
        let c = h * d
        let (weights, _) = relPosCase(h: h, d: d, b: 1)
        let plugin = try RelPosAttentionPlugin(attributes: ["num_heads": .int(h), "scale": .float(0.5)])
        let all: [Tensor] = [TestTensors.uniform([1, 4, c]), weights[0], weights[1], TestTensors.uniform([1, 4, c]),
                             weights[2], weights[3], weights[4], weights[5], weights[6]]
        let packed = try all.enumerated().map { try plugin.pack(constant: $1, input: $0)?.shape }
        XCTAssertEqual(packed, [nil, [2, c, 16], nil, nil, [1, c, 16], nil, nil, [1, c, 16], nil])
        XCTAssertEqual(plugin.tactics(inputShapes: all.map(\.shape)), ["relpos.heads.parallel", "relpos.heads.parallel.rows"])
    }

    func testRelPosMatchesUnfusedWithRunTimeWeightsAndPortableTiles() throws {
        let (h, d, b) = (2, 9, 3)
        let c = h * d
        let (weights, graph) = relPosCase(h: h, d: d, b: b)
        let plugin = try RelPosAttentionPlugin(attributes: ["num_heads": .int(h), "scale": .float(1 / Float(d).squareRoot())])
        for t in [1, 3, 17, 63] {
            let lengths = [t, (t + 1) / 2, 0]
            let mask = Tensor(lengths.flatMap { n in (0..<t).map { $0 < n } }, shape: [b, 1, t])
            let x = TestTensors.uniform([b, t, c], seed: 170 + UInt64(t)), pos = TestTensors.uniform([1, t, c], seed: 180 + UInt64(t))
            let expected = try N.reference(graph, ["x": x, "pos": pos, "mask": mask])
            let inputs: [Tensor?] = [x, weights[0], weights[1], pos] + weights[2...].map { $0 } + [mask]
            for portable in [false, true] {
                VectorMath.forcePortable(portable)
                defer { VectorMath.forcePortable(false) }
                for pool in pools {
                    for tactic in ["relpos.heads.parallel", "relpos.heads.serial", "relpos.heads.parallel.rows", "relpos.heads.serial.rows"] {
                        for packWeights in [true, false] {
                            let got = try plugin.run(inputs, tactic: tactic, threads: pool, packWeights: packWeights)
                            N.assertClose(got[0], expected, "\(tactic) T \(t) threads \(pool.threads) portable \(portable) packed \(packWeights)")
                        }
                    }
                }
            }
        }
    }

    func testRelPosRejectsAPackedWeightOfTheWrongShape() throws {
        let (h, d) = (2, 4)
        let c = h * d
        let (weights, _) = relPosCase(h: h, d: d, b: 1)
        let plugin = try RelPosAttentionPlugin(attributes: ["num_heads": .int(h), "scale": .float(0.5)])
        let wrong = Tensor([Float](repeating: 0, count: 2 * c * 16), shape: [2, c, 16])
        let inputs: [Tensor?] = [TestTensors.uniform([1, 3, c]), weights[0], weights[1], TestTensors.uniform([1, 3, c]),
                                 wrong, weights[3], weights[4], weights[5], weights[6]]
        XCTAssertThrowsError(try plugin.run(inputs, packWeights: false)) { XCTAssertTrue("\($0)".contains("Wpos"), "\($0)") }
    }

    func testAttentionMatchesUnfusedWithRunTimeWeightsAndPortableTiles() throws {
        let (h, d, b) = (3, 7, 2)
        let c = h * d
        let w = TestTensors.uniform([c, 3 * c], seed: 190), bias = TestTensors.uniform([3 * c], seed: 191)
        let plugin = try AttentionPlugin(attributes: ["num_heads": .int(h), "scale": .float(1 / Float(d).squareRoot())])
        XCTAssertEqual(try plugin.pack(constant: w, input: 1)?.shape, [4, c, 16])
        XCTAssertNil(try plugin.pack(constant: bias, input: 2))
        for s in [1, 3, 17, 63] {
            let graph = BuiltinPluginTests.unfusedAttention(b: b, s: s, h: h, d: d, w: w, bias: bias)
            let x = TestTensors.uniform([b, s, c], seed: 200 + UInt64(s))
            var padding = [Float](repeating: 0, count: b * s)
            for j in (s + 1) / 2..<s { padding[s + j] = -10000 }
            let mask = Tensor(padding, shape: [b, 1, 1, s])
            let expected = try N.reference(graph, ["x": x, "mask": mask])
            for portable in [false, true] {
                VectorMath.forcePortable(portable)
                defer { VectorMath.forcePortable(false) }
                for pool in pools {
                    for tactic in ["attention.heads.parallel", "attention.heads.serial", "attention.heads.parallel.rows",
                                   "attention.heads.serial.rows"] {
                        for packWeights in [true, false] {
                            let got = try plugin.run([x, w, bias, mask], tactic: tactic, threads: pool, packWeights: packWeights)[0]
                            N.assertClose(got, expected, "\(tactic) S \(s) threads \(pool.threads) portable \(portable) packed \(packWeights)")
                        }
                    }
                }
            }
        }
    }
}
