import Kernels
import XCTest

/// ``PackedGEMM`` against a plain triple loop (in Double) at shapes that hit
/// every edge: rows not a multiple of 6, columns not a multiple of 16 (the
/// masked stores), K not a multiple of the K block (accumulation over
/// blocks), K = 1, tiles forced small and large, 1 to 3 workers, every code
/// path the CPU has (AVX-512, AVX2, portable), and B packed from Bᵀ.
final class PackedGEMMTests: XCTestCase {
    private func naive(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for p in 0..<k { let av = Double(a[i * k + p]); for j in 0..<n { c[i * n + j] += av * Double(b[p * n + j]) } } }
        return c
    }

    private func values(_ count: Int, seed: Int) -> [Float] {
        (0..<count).map { Float((($0 &* 7919 &+ seed &* 104_729) % 2001) - 1000) / 1000 }
    }

    private func check(m: Int, n: Int, k: Int, threads: Int, tiling: PackedGEMM.Tiling?, transposed: Bool,
                       file: StaticString = #filePath, line: UInt = #line) {
        let a = values(m * k, seed: m + 3 * k), b = values(k * n, seed: n + 5 * k)
        let bt = transposed ? (0..<(n * k)).map { b[($0 % k) * n + $0 / k] } : b
        let packed = PackedGEMM.pack(bt, k: k, n: n, transposed: transposed)
        XCTAssertEqual(packed.count, PackedGEMM.packedCount(k: k, n: n))
        var c = [Float](repeating: .nan, count: m * n)
        a.withUnsafeBufferPointer { pa in
            packed.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    PackedGEMM.run(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, packed: pb.baseAddress!,
                                   c: pc.baseAddress!, ldc: n, epilogue: GEMM.Epilogue(),
                                   threads: ThreadPool(threads: threads), tiling: tiling)
                }
            }
        }
        let want = naive(a, b, m: m, n: n, k: k)
        var worst = 0.0
        // C starts as NaN, so an element no kernel wrote fails (max() would skip a NaN).
        for i in c.indices { worst = c[i].isNaN ? .infinity : max(worst, abs(Double(c[i]) - want[i]) / (1 + abs(want[i]))) }
        // fp32 accumulation over k terms: about k·2⁻²⁴ of the terms' magnitude.
        XCTAssertLessThan(worst, 1e-7 * Double(k) + 1e-6, "\(m)x\(n)x\(k) threads \(threads) tiling \(tiling?.description ?? "auto") transposed \(transposed)",
                          file: file, line: line)
    }

    func testMatchesNaiveProductAtEdgeShapes() {
        // Every code path this CPU has: AVX-512 (16-row blocks from 9 rows on), AVX2 (6-row blocks), portable.
        let best = VectorMath.isa
        for isa in VectorMath.ISA.allCases.reversed() where isa.rawValue <= best.rawValue {
            VectorMath.capISA(isa)
            defer { VectorMath.capISA(nil) }
            XCTAssertEqual(VectorMath.isa, isa)
            for (m, n, k) in [(1, 16, 1), (3, 2048 / 8, 256), (5, 17, 7), (6, 33, 300), (7, 100, 513), (97, 48, 260),
                              (13, 15, 1), (64, 64, 64), (8, 40, 9), (9, 31, 300), (15, 2048 / 8, 600), (16, 47, 257),
                              (17, 16, 513), (33, 80, 100)] {
                for threads in [1, 2, 3] {
                    check(m: m, n: n, k: k, threads: threads, tiling: nil, transposed: false)
                }
                check(m: m, n: n, k: k, threads: 2, tiling: .init(rows: 6, panels: 1, kc: 64), transposed: true)
                check(m: m, n: n, k: k, threads: 1, tiling: .init(rows: 200, panels: 40, kc: 1000), transposed: false)
                check(m: m, n: n, k: k, threads: 2, tiling: .init(rows: 40, panels: 3, kc: 100), transposed: false)
            }
        }
    }

    /// The epilogue (α, bias, activation, residual) applies once per tile, after all K blocks.
    func testEpilogueRunsOnceAfterTheLastKBlock() {
        let (m, n, k) = (11, 40, 300)
        let a = values(m * k, seed: 1), b = values(k * n, seed: 2), bias = values(n, seed: 3), res = values(m * n, seed: 4)
        let packed = PackedGEMM.pack(b, k: k, n: n)
        var c = [Float](repeating: 0, count: m * n)
        bias.withUnsafeBufferPointer { pbias in
            res.withUnsafeBufferPointer { pres in
                a.withUnsafeBufferPointer { pa in
                    packed.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            let e = GEMM.Epilogue(alpha: 0.5, bias: pbias.baseAddress, activation: .relu,
                                                  residual: pres.baseAddress, residualStride: n)
                            PackedGEMM.run(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, packed: pb.baseAddress!,
                                           c: pc.baseAddress!, ldc: n, epilogue: e, threads: ThreadPool(threads: 2),
                                           tiling: .init(rows: 6, panels: 1, kc: 64))
                        }
                    }
                }
            }
        }
        let product = naive(a, b, m: m, n: n, k: k)
        for i in 0..<m {
            for j in 0..<n {
                let want = max(0.5 * product[i * n + j] + Double(bias[j]), 0) + Double(res[i * n + j])
                XCTAssertEqual(Double(c[i * n + j]), want, accuracy: 1e-4, "[\(i), \(j)]")
            }
        }
    }

    /// A worker reuses its packed copy of A only within one call: the same A buffer with new
    /// contents (an arena slot reused by the next layer) is packed again.
    func testPackedACopyIsNotReusedAcrossCalls() {
        let (m, n, k) = (15, 64, 300)
        let b = values(k * n, seed: 9)
        let packed = PackedGEMM.pack(b, k: k, n: n)
        var a = values(m * k, seed: 5)
        var c = [Float](repeating: 0, count: m * n)
        let pool = ThreadPool(threads: 2)
        for round in 0..<3 {
            if round > 0 { for i in a.indices { a[i] = -a[i] * 0.5 + Float(round) * 0.01 } }
            a.withUnsafeBufferPointer { pa in
                packed.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        PackedGEMM.run(m: m, n: n, k: k, a: pa.baseAddress!, lda: k, packed: pb.baseAddress!,
                                       c: pc.baseAddress!, ldc: n, epilogue: GEMM.Epilogue(), threads: pool,
                                       tiling: .init(rows: m, panels: 1, kc: 128))
                    }
                }
            }
            let want = naive(a, b, m: m, n: n, k: k)
            for i in c.indices {
                XCTAssertEqual(Double(c[i]), want[i], accuracy: 1e-4, "round \(round) [\(i / n), \(i % n)]")
            }
        }
    }

    /// Tilings give at least four tiles per worker where the shape allows, and stream B once for few rows.
    func testTilingChoice() {
        let big = PackedGEMM.Tiling.choose(m: 1008, n: 2048, k: 2048, threads: 2)
        XCTAssertEqual(big.kc, 256)
        XCTAssertEqual(big.rows % PackedGEMM.blockRows(m: 1008), 0)
        XCTAssertEqual(PackedGEMM.Tiling.choose(m: 15, n: 256, k: 2048, threads: 2).kc,
                       PackedGEMM.blockRows(m: 15) >= 15 ? 2048 : 256,
                       "rows that fit one register block (AVX2: up to 6, AVX-512: up to 16) read B once")
        let small = PackedGEMM.Tiling.choose(m: 3, n: 2048, k: 2048, threads: 2)
        XCTAssertEqual(small.kc, 2048, "few rows: all of K in one block, B read once")
        XCTAssertGreaterThanOrEqual((2048 / 16 + small.panels - 1) / small.panels, 8)
        XCTAssertEqual(PackedGEMM.packedShape(k: 5, n: 33), [3, 5, 16])
        // Rows that fit one tile stay together and the columns are split (B from memory once):
        // 60×256 on 2 threads is 8 tiles of all 60 rows × 2 panels.
        XCTAssertEqual(PackedGEMM.Tiling.choose(m: 60, n: 256, k: 2048, threads: 2), .init(rows: 60, panels: 2, kc: 256))
        XCTAssertEqual(PackedGEMM.Tiling.choose(m: 48, n: 512, k: 256, threads: 2), .init(rows: 48, panels: 4, kc: 256))
        // More rows than one tile: the rows are split first.
        let tall = PackedGEMM.Tiling.choose(m: 240, n: 256, k: 2048, threads: 2)
        XCTAssertEqual(tall.panels, 16)
        XCTAssertLessThan(tall.rows, 96)
    }
}
