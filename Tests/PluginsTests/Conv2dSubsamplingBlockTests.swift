import IR
import Kernels
import Plugins
import XCTest
import _TestSupport

/// Conv2dSubsampling@2's frame blocks (conv1 rows per block, im2col, packed GEMM, store)
/// against the unfused Conv → Relu → Conv → Relu → Transpose → Reshape at odd lengths.
final class Conv2dSubsamplingBlockTests: XCTestCase {
    private typealias N = PluginCheck

    /// Runs every tactic on 1 and 2 threads for each `(B, T)` at feature size `f` with `c` channels.
    private func checkAllTactics(f: Int, c: Int, lengths: [Int], batches: [Int], packWeights: Bool = true,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
        let plugin = try Conv2dSubsamplingPlugin(attributes: [:])
        let (graph, w) = Conv2dSubsamplingPluginTests.subgraph(c: c, f: f, seed: UInt64(f * 100 + c))
        let weights = [w["w1"], w["b1"], w["w2"], w["b2"]]
        for b in batches {
            for t in lengths {
                let x = TestTensors.uniform([b, 1, t, f], seed: UInt64(t * 7 + b))
                let expected = try N.reference(graph, ["x": x])
                for tactic in Conv2dSubsamplingPlugin.tacticNames {
                    for threads in [1, 2] {
                        let got = try plugin.run([x.reshaped([b, t, f])] + weights, tactic: tactic,
                                                 threads: ThreadPool(threads: threads), packWeights: packWeights)[0]
                        N.assertClose(got, expected, "\(b)x\(t)x\(f) C\(c) \(tactic) \(threads) threads packed \(packWeights)",
                                      file: file, line: line)
                    }
                }
            }
        }
    }

    func testOddLengthsAtEightyFeatures() throws {
        // C = 20: a partial 16-column panel and a channel tail after the 8-wide conv1 vectors.
        try checkAllTactics(f: 80, c: 20, lengths: [7, 8, 9, 15, 16, 17, 63], batches: [1, 3])
    }

    func testOddLengthsAtSmallOddFeatures() throws {
        try checkAllTactics(f: 11, c: 5, lengths: [7, 8, 9, 15, 16, 17, 63], batches: [1, 3])
    }

    func testPortablePath() throws {
        VectorMath.forcePortable(true)
        defer { VectorMath.forcePortable(false) }
        try checkAllTactics(f: 13, c: 12, lengths: [9, 17, 63], batches: [1, 3])
    }

    func testUnpackedWeightsArePackedIntoTheWorkspace() throws {
        try checkAllTactics(f: 15, c: 17, lengths: [8, 33], batches: [1, 3], packWeights: false)
    }

    func testManyBlocksPerItemAndMoreBlocksThanWorkerSlots() throws {
        // F'' = 1, so `subsampling.blocks` takes 96 frames per block: T = 1601 gives 400 frames in 5 blocks per item.
        try checkAllTactics(f: 9, c: 3, lengths: [1601], batches: [2])
    }

    func testPackedLayouts() throws {
        let plugin = try Conv2dSubsamplingPlugin(attributes: [:])
        let (_, w) = Conv2dSubsamplingPluginTests.subgraph(c: 20, f: 9, seed: 3)
        let w1 = try XCTUnwrap(w["w1"]), w2 = try XCTUnwrap(w["w2"])
        let p1 = try XCTUnwrap(try plugin.pack(constant: w1, input: 1))
        XCTAssertEqual(p1.shape, [9, 20])
        let p2 = try XCTUnwrap(try plugin.pack(constant: w2, input: 3))
        XCTAssertEqual(p2.shape, [2, 500, 16], "the im2col panels [2, 180, 16], then 16 Winograd matrices [2, 20, 16]")
        guard case .float32(let src) = w2.data, case .float32(let dst) = p2.data,
              case .float32(let src1) = w1.data, case .float32(let dst1) = p1.data else { return XCTFail("not float") }
        // W1[c, 0, kh, kw] at [kh·3 + kw, c]; W2[c, c', kh, kw] at panel c/16, row (kh·3 + kw)·C + c', lane c%16.
        let (tap, co, ci, k) = (7, 18, 11, 180)
        XCTAssertEqual(dst1[5 * 20 + 7], src1[7 * 9 + 5])
        let at: Int = ((co / 16) * k + tap * 20 + ci) * 16 + co % 16
        let from: Int = (co * 20 + ci) * 9 + tap
        XCTAssertEqual(dst[at], src[from])
        let pastC: Int = (k + 5) * 16 + 9
        XCTAssertEqual(dst[pastC], 0, "lanes past C are zero")
        // Winograd group 4·gp + gq holds Σ G[gp][kh]·G[gq][kw]·W2[c, c', kh, kw] at (c', c), with
        // the filter rows G = (g0; g0 + g2; g2; g1). Group 7 (gp 1, gq 3): W2[c, c', 0, 1] + W2[c, c', 2, 1].
        let matrix = 2 * 20 * 16, group7 = 2 * k * 16 + 7 * matrix
        func weight(_ o: Int, _ i: Int, _ kh: Int, _ kw: Int) -> Float { src[((o * 20 + i) * 3 + kh) * 3 + kw] }
        XCTAssertEqual(dst[group7 + ((co / 16) * 20 + ci) * 16 + co % 16], weight(co, ci, 0, 1) + weight(co, ci, 2, 1))
        // Group 5 (gp 1, gq 1): the four corners.
        let group5 = 2 * k * 16 + 5 * matrix
        XCTAssertEqual(dst[group5 + ((co / 16) * 20 + ci) * 16 + co % 16],
                       weight(co, ci, 0, 0) + weight(co, ci, 0, 2) + weight(co, ci, 2, 0) + weight(co, ci, 2, 2), accuracy: 1e-6)
        XCTAssertEqual(dst[group5 + (20 + 3) * 16 + 9], 0, "Winograd lanes past C are zero")
        XCTAssertNil(try plugin.pack(constant: w["b1"]!, input: 2))
        XCTAssertNil(try plugin.pack(constant: w2, input: 0))
        // The packed shapes still give the output type.
        let types = try plugin.outputTypes([ValueType(.float32, Shape([Dim.symbol("B"), Dim.symbol("T"), Dim.value(9)])),
                                            ValueType(.float32, Shape(p1.shape)), ValueType(.float32, Shape([20])),
                                            ValueType(.float32, Shape(p2.shape)), ValueType(.float32, Shape([20]))])
        XCTAssertEqual(types[0].shape?[2], Dim.value(20))
        XCTAssertThrowsError(try plugin.outputTypes([ValueType(.float32, Shape([1, 9, 9])), ValueType(.float32, Shape(p1.shape)),
                                                     ValueType(.float32, Shape([20])), ValueType(.float32, Shape([3, 500, 16])),
                                                     ValueType(.float32, Shape([20]))]))
    }

    func testWorkspaceDoesNotGrowWithBatchOrLength() throws {
        let plugin = try Conv2dSubsamplingPlugin(attributes: [:])
        let packed = [[9, 256], [256], [16, 6400, 16], [256]]
        for tactic in Conv2dSubsamplingPlugin.tacticNames {
            // Blocks hold at most ⌈target rows / F''⌉ frames; the worker slots are capped.
            let large = plugin.workspaceSize(inputShapes: [[16, 1024, 80]] + packed, tactic: tactic)
            for x in [[1, 16, 80], [8, 256, 80], [1, 4096, 80], [64, 4096, 80]] {
                let size = plugin.workspaceSize(inputShapes: [x] + packed, tactic: tactic)
                XCTAssertGreaterThan(size, 0, "\(tactic) \(x)")
                XCTAssertLessThanOrEqual(size, large, "\(tactic) \(x)")
            }
            XCTAssertEqual(plugin.workspaceSize(inputShapes: [[64, 4096, 80]] + packed, tactic: tactic), large, tactic)
            XCTAssertLessThan(large, 16 << 20, tactic)
            // Never larger for a smaller X: the builder plans the workspace at the profile's max shapes.
            var previous = 0
            for t in 7...400 {
                let size = plugin.workspaceSize(inputShapes: [[2, t, 80]] + packed, tactic: tactic)
                XCTAssertGreaterThanOrEqual(size, previous, "\(tactic) T = \(t)")
                previous = size
            }
            // Nor for a smaller batch at the same length (3 items of 15 frames make 6 blocks of
            // `subsampling.blocks`, 4 items 4 blocks: the slots must not follow the block count).
            for t in [16, 64, 70, 256] {
                var previous = 0
                for b in 1...10 {
                    let size = plugin.workspaceSize(inputShapes: [[b, t, 80]] + packed, tactic: tactic)
                    XCTAssertGreaterThanOrEqual(size, previous, "\(tactic) B = \(b) T = \(t)")
                    previous = size
                }
            }
            // Unpacked weights need room for their packed copies too.
            let unpacked = plugin.workspaceSize(inputShapes: [[16, 1024, 80], [256, 1, 3, 3], [256], [256, 256, 3, 3], [256]],
                                                tactic: tactic)
            let w2Floats = tactic == "subsampling.winograd" ? 16 * 256 * 256 : 2304 * 256
            XCTAssertGreaterThanOrEqual(unpacked, large + 4 * (9 * 256 + w2Floats), tactic)
        }
    }
}
