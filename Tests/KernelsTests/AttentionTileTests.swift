import CKernels
import Foundation
import Kernels
import XCTest

/// `wb_attention_tile` (keys-major scores, 16 queries at a time) and its column softmax
/// against Double, at sizes that are not multiples of 16, with and without −∞ keys; without
/// AVX-512 both must decline (their callers then take the row path, tested with the plugins).
final class AttentionTileTests: XCTestCase {
    private var hasAVX512: Bool { VectorMath.isa == .avx512 }

    private func values(_ n: Int, _ seed: Double) -> [Float] { (0..<n).map { Float(sin(Double($0) * 0.61 + seed)) } }

    func testTileMatchesDouble() throws {
        for (sq, sk, dk, dv) in [(1, 1, 3, 5), (16, 16, 16, 16), (37, 45, 24, 20), (17, 300, 64, 33)] {
            for masked in [false, true] {
                let (ldq, ldk, ldv, ldo) = (dk + 3, dk + 1, dv + 2, dv + 4)
                let q = values(sq * ldq, 1), k = values(sk * ldk, 2), v = values(sk * ldv, 3)
                var mask = values(sk, 4).map { $0 * 2 }
                if masked { for j in stride(from: 1, to: sk, by: 3) { mask[j] = -.infinity } }
                let scale: Float = 0.7
                var out = [Float](repeating: .nan, count: sq * ldo)
                var scratch = [Float](repeating: .nan, count: wb_attention_tile_floats(sk, dk, dv))
                let status = wb_attention_tile(sq, sk, dk, dv, q, ldq, k, ldk, v, ldv, scale, masked ? mask : nil, 1,
                                               &out, ldo, &scratch)
                guard hasAVX512 else { XCTAssertEqual(status, 1, "declined without AVX-512"); continue }
                XCTAssertEqual(status, 0, "\(sq)x\(sk) dk \(dk) dv \(dv)")
                for i in 0..<sq {
                    var logits = (0..<sk).map { j in
                        Double(scale) * (0..<dk).reduce(0.0) { $0 + Double(q[i * ldq + $1]) * Double(k[j * ldk + $1]) }
                            + (masked ? Double(mask[j]) : 0)
                    }
                    let m = logits.max()!
                    logits = logits.map { Foundation.exp($0 - m) }
                    let total = logits.reduce(0, +)
                    for c in 0..<dv {
                        let want = (0..<sk).reduce(0.0) { $0 + logits[$1] / total * Double(v[$1 * ldv + c]) }
                        XCTAssertEqual(Double(out[i * ldo + c]), want, accuracy: 2e-6, "\(sq)x\(sk) masked \(masked) (\(i), \(c))")
                    }
                    for c in dv..<ldo { XCTAssertTrue(out[i * ldo + c].isNaN, "past dv untouched") }
                }
            }
        }
    }

    func testColumnSoftmaxDeclinesOnlyForItsLanes() throws {
        let rows = 5
        var sums = [Float](repeating: 0, count: 16)
        guard hasAVX512 else {
            var p = [Float](repeating: 1, count: rows * 16)
            XCTAssertEqual(wb_softmax_exp_columns16(rows, &p, 1, nil, 0, 16, &sums), 0, "declined without AVX-512")
            return
        }
        // Lane 9 holds a NaN, lane 12 is all −∞: declined while those lanes are live, done when not.
        var base = (0..<(rows * 16)).map { Float($0 % 7) - 3 }
        base[2 * 16 + 9] = .nan
        for r in 0..<rows { base[r * 16 + 12] = -.infinity }
        for (lanes, want) in [(16, 0), (13, 0), (12, 0), (10, 0), (9, 1), (1, 1)] {
            var p = base
            XCTAssertEqual(wb_softmax_exp_columns16(rows, &p, 0.5, nil, 0, Int32(lanes), &sums), Int32(want), "lanes \(lanes)")
        }
        // Values: a per-row mask broadcast over the lanes, scale applied before it.
        var p = (0..<(rows * 16)).map { Float($0 % 11) * 0.3 }
        let mask: [Float] = [0, -1, 2, -.infinity, 0.5]
        let original = p
        XCTAssertEqual(wb_softmax_exp_columns16(rows, &p, 2, mask, 1, 16, &sums), 1)
        for lane in 0..<16 {
            let logits = (0..<rows).map { Double(original[$0 * 16 + lane]) * 2 + Double(mask[$0]) }
            let m = logits.max()!
            let e = logits.map { Foundation.exp($0 - m) }
            for r in 0..<rows { XCTAssertEqual(Double(p[r * 16 + lane]), e[r], accuracy: 1e-6 * max(1, e[r]), "lane \(lane) row \(r)") }
            XCTAssertEqual(Double(sums[lane]), e.reduce(0, +), accuracy: 1e-5, "lane \(lane) sum")
            XCTAssertEqual(p[3 * 16 + lane], 0, "a −∞ key gives 0")
        }
    }

    func testDeclinesWithoutAVX512() {
        VectorMath.capISA(.avx2)
        defer { VectorMath.capISA(nil) }
        var out = [Float](repeating: 0, count: 4), scratch = [Float](repeating: 0, count: wb_attention_tile_floats(2, 2, 2))
        let x: [Float] = [1, 2, 3, 4]
        XCTAssertEqual(wb_attention_tile(2, 2, 2, 2, x, 2, x, 2, x, 2, 1, nil, 0, &out, 2, &scratch), 1)
        var sums = [Float](repeating: 0, count: 16), p = [Float](repeating: 0, count: 16)
        XCTAssertEqual(wb_softmax_exp_columns16(1, &p, 1, nil, 0, 16, &sums), 0)
    }
}
