import IR
import Kernels
import Plugins
import Reference
import XCTest
import _TestSupport

/// The SIMD attention and LayerNorm kernels, every tactic on one and two
/// threads, against the unfused subgraphs through the reference executor, on
/// odd shapes: T = 1, 3, 17, 63; head and hidden sizes that are not multiples
/// of 8; lengths shorter than T; an item whose keys are all masked.
final class AttentionKernelTests: XCTestCase {
    private typealias N = PluginCheck
    private let pools = [ThreadPool(threads: 1), ThreadPool(threads: 2)]

    func testRelPosAttentionOddShapesAndLengths() throws {
        let (h, d) = (2, 5)
        let c = h * d
        let w = (0..<5).map { TestTensors.uniform([c, c], seed: 40 + UInt64($0)) }
        let bias = (0..<4).map { TestTensors.uniform([c], seed: 50 + UInt64($0)) }
        let u = TestTensors.uniform([h, d], seed: 60), v = TestTensors.uniform([h, d], seed: 61)
        var packed: [Float] = []
        for r in 0..<c { for k in 0..<3 { packed += w[k].floats![(r * c)..<((r + 1) * c)] } }
        let wqkv = Tensor(packed, shape: [c, 3 * c]), bqkv = Tensor(bias[0].floats! + bias[1].floats! + bias[2].floats!, shape: [3 * c])
        let graph = RelPosAttentionPluginTests.unfused(b: 3, t: 1, h: h, d: d, w: w, bias: bias, u: u, v: v)
        let plugin = try RelPosAttentionPlugin(attributes: ["num_heads": .int(h), "scale": .float(1 / Float(d).squareRoot())])
        for t in [1, 3, 17, 63] {
            // Item 0 keeps every key, item 1 a prefix (length ⌈t/2⌉), item 2 none.
            let lengths = [t, (t + 1) / 2, 0]
            let keep = lengths.flatMap { n in (0..<t).map { $0 < n } }
            let b = lengths.count
            let x = TestTensors.uniform([b, t, c], seed: UInt64(t)), mask = Tensor(keep, shape: [b, 1, t])
            for posBatch in [1, b] {
                let pos = TestTensors.uniform([posBatch, t, c], seed: 70 + UInt64(t))
                let expected = try N.reference(graph, ["x": x, "pos": pos, "mask": mask])
                for pool in pools {
                    for tactic in plugin.tactics(inputShapes: [[b, t, c]]) {
                        let got = try plugin.run([x, wqkv, bqkv, pos, w[3], u, v, w[4], bias[3], mask], tactic: tactic, threads: pool)
                        N.assertClose(got[0], expected, "\(tactic) T \(t) pos batch \(posBatch) threads \(pool.threads)")
                    }
                }
            }
        }
    }

    func testAttentionOddShapesAndMaskForms() throws {
        let (h, d) = (3, 5)
        let c = h * d
        let w = TestTensors.uniform([c, 3 * c], seed: 80), bias = TestTensors.uniform([3 * c], seed: 81)
        let plugin = try AttentionPlugin(attributes: ["num_heads": .int(h), "scale": .float(1 / Float(d).squareRoot())])
        // 130 rows: two whole query-row blocks of 64 and a partial one.
        for s in [1, 3, 17, 63, 130] {
            let b = 2
            let graph = BuiltinPluginTests.unfusedAttention(b: b, s: s, h: h, d: d, w: w, bias: bias)
            let x = TestTensors.uniform([b, s, c], seed: 90 + UInt64(s))
            // Key padding ([B,1,1,S], −10000 past a length), a full [B,H,S,S] mask, a per-key [S] mask, a scalar.
            var padding = [Float](repeating: 0, count: b * s)
            for j in (s + 1) / 2..<s { padding[s + j] = -10000 }
            let masks = [Tensor(padding, shape: [b, 1, 1, s]), TestTensors.uniform([b, h, s, s], in: -4...0, seed: 5),
                         TestTensors.uniform([s], in: -2...0, seed: 6), Tensor(scalar: Float(-1))]
            for mask in masks {
                let expected = try N.reference(graph, ["x": x, "mask": mask])
                for pool in pools {
                    for tactic in plugin.tactics(inputShapes: [[b, s, c]]) {
                        let got = try plugin.run([x, w, bias, mask], tactic: tactic, threads: pool)[0]
                        N.assertClose(got, expected, "\(tactic) S \(s) mask \(mask.shape) threads \(pool.threads)")
                    }
                }
            }
        }
    }

    func testParallelTacticsRestoreBLASThreads() throws {
        let saved = BLAS.threads
        defer { BLAS.threads = saved }
        BLAS.threads = 2
        let (b, s, h, d) = (2, 4, 2, 3)
        let c = h * d
        let attention = try AttentionPlugin(attributes: ["num_heads": .int(h), "scale": .float(0.5)])
        for tactic in attention.tactics(inputShapes: [[b, s, c]]) {
            _ = try attention.run([TestTensors.uniform([b, s, c]), TestTensors.uniform([c, 3 * c]), TestTensors.uniform([3 * c]), nil],
                                  tactic: tactic, threads: ThreadPool(threads: 2))
            XCTAssertEqual(BLAS.threads, 2, tactic)
        }
        XCTAssertThrowsError(try attention.run([TestTensors.uniform([b, s, c]), TestTensors.uniform([c, 3 * c]),
                                                TestTensors.uniform([3 * c]), nil], tactic: "attention.heads.sideways")) {
            XCTAssertTrue("\($0)".contains("attention.heads.sideways"))
        }
        XCTAssertThrowsError(try attention.run([TestTensors.uniform([b, s, c]), TestTensors.uniform([c, 3 * c]),
                                                TestTensors.uniform([3 * c]), Tensor([true], shape: [1])], threads: pools[1])) {
            XCTAssertTrue("\($0)".contains("mask"))
        }
    }

    func testLayerNormTacticsOnOddShapesAndOffsetRows() throws {
        let plugin = try LayerNormPlugin(attributes: ["epsilon": .float(1e-5)])
        for shape in [[1, 1], [1, 5], [3, 17, 13], [63, 67], [2, 3, 256]] {
            let cols = shape.last!
            // An offset of 10 checks the centred variance (at 1000 the float input itself is only good to 1e-4 relative after centring).
            let x = Tensor(TestTensors.uniform(shape, seed: 1).floats!.map { $0 + 10 }, shape: shape)
            let g = TestTensors.uniform([cols], seed: 2), beta = TestTensors.uniform([cols], seed: 3)
            for withBeta in [true, false] {
                let inputs = withBeta ? ["x", "g", "b"] : ["x", "g"]
                let graph = N.graph([N.node("LayerNormalization", inputs, "y", ["epsilon": .float(1e-5)])],
                                    inputs: ["x"], outputs: ["y"], initializers: ["g": g, "b": beta])
                let expected = try N.reference(graph, ["x": x])
                for pool in pools {
                    for tactic in plugin.tactics(inputShapes: [shape]) + ["layernorm.rows"] {
                        let got = try plugin.run(withBeta ? [x, g, beta] : [x, g], tactic: tactic, threads: pool)[0]
                        N.assertClose(got, expected, "\(tactic) \(shape) beta \(withBeta) threads \(pool.threads)")
                    }
                }
            }
        }
        XCTAssertThrowsError(try plugin.run([TestTensors.uniform([2, 3]), TestTensors.uniform([3])], tactic: "layernorm.simd99")) {
            XCTAssertTrue("\($0)".contains("layernorm.simd99"))
        }
    }

    func testSkipLayerNormTacticsWithAndWithoutSumOutput() throws {
        let plugin = try SkipLayerNormPlugin(attributes: [:])
        for shape in [[1, 3], [17, 9], [2, 63, 19]] {
            let cols = shape.last!
            let x = TestTensors.uniform(shape, seed: 11), s = TestTensors.uniform(shape, seed: 12)
            let g = TestTensors.uniform([cols], seed: 13), beta = TestTensors.uniform([cols], seed: 14)
            let graph = N.graph([N.node("Add", ["x", "s"], "sum"), N.node("LayerNormalization", ["sum", "g", "b"], "y")],
                                inputs: ["x", "s"], outputs: ["y", "sum"], initializers: ["g": g, "b": beta])
            let out = try ReferenceExecutor(graph: graph).run(["x": x, "s": s])
            for pool in pools {
                for tactic in plugin.tactics(inputShapes: [shape]) {
                    let got = try plugin.run([x, s, g, beta], tactic: tactic, threads: pool)
                    N.assertClose(got[0], out["y"]!, "Y \(tactic) \(shape)")
                    N.assertClose(got[1], out["sum"]!, "sum \(tactic) \(shape)")
                    N.assertClose(try Self.runWithoutSum(plugin, [x, s, g, beta], tactic: tactic, threads: pool), out["y"]!,
                                  "Y without sum \(tactic) \(shape)")
                }
            }
        }
    }

    /// Runs SkipLayerNorm with only its first output bound, as an engine does
    /// when nothing reads the sum (Y is then the kernel's scratch for it).
    private static func runWithoutSum(_ plugin: SkipLayerNormPlugin, _ inputs: [Tensor], tactic: String,
                                      threads: ThreadPool) throws -> Tensor {
        let buffers = try inputs.map { try TensorBytes.copyOut($0) }
        let y = try TensorBytes.copyOut(Tensor.zeros(.float32, shape: inputs[0].shape))
        defer { for b in buffers + [y] { b.deallocate() } }
        let call = PluginCall(inputs: zip(inputs, buffers).map { TensorBuffer(data: $1, dataType: .float32, shape: $0.shape) },
                              outputs: [TensorBuffer(data: y, dataType: .float32, shape: inputs[0].shape)],
                              workspace: nil, tactic: tactic, threads: threads)
        try plugin.enqueue(call)
        return try TensorBytes.read(y, dataType: .float32, shape: inputs[0].shape)
    }
}
