import IR
import Kernels

/// The attention plugins' GEMMs on ``PackedGEMM``'s panels: their constant
/// projection weights, packed once at build time, and the small per-tile
/// products, packed per tile into scratch and multiplied by the same 6×16
/// register-blocked kernel on one thread.
enum AttentionPanels {
    /// A float weight `W` [K, N] as panels `[⌈N/16⌉, K, 16]` (nil for any other tensor).
    static func pack(_ constant: Tensor) -> Tensor? {
        guard constant.shape.count == 2, case .float32(let w) = constant.data else { return nil }
        let (k, n) = (constant.shape[0], constant.shape[1])
        guard k > 0, n > 0 else { return nil }
        return Tensor(shape: PackedGEMM.packedShape(k: k, n: n), data: .float32(PackedGEMM.pack(w, k: k, n: n)))
    }

    /// True when a weight input of this shape arrives already packed.
    static func isPacked(_ shape: [Int]) -> Bool { shape.count == 3 && shape[2] == PackedGEMM.panelWidth }

    /// Workspace floats to pack a `k × n` weight that arrives with `shape` unpacked (0 when packed).
    static func scratchFloats(_ shape: [Int]?, k: Int, n: Int) -> Int {
        shape.map(isPacked) == true ? 0 : PackedGEMM.packedCount(k: k, n: n)
    }

    /// The panels of weight `w` (`k × n`): `w` itself when packed at build time,
    /// otherwise packed now into `scratch`, which then moves past them.
    static func panels(_ w: TensorBuffer, k: Int, n: Int, _ what: String, plugin: String,
                       scratch: inout UnsafeMutablePointer<Float>) throws -> UnsafePointer<Float> {
        if isPacked(w.shape) {
            guard w.shape == PackedGEMM.packedShape(k: k, n: n) else {
                throw PluginError.invalidInputs(plugin: plugin, reason: "packed \(what) is \(w.shape), expected \(PackedGEMM.packedShape(k: k, n: n))")
            }
            return UnsafePointer(w.floats)
        }
        try PluginInputs.check(w, count: k * n, what, plugin: plugin)
        let out = scratch
        PackedGEMM.pack(w.floats, ldb: n, transposed: false, k: k, n: n, into: out)
        scratch += PackedGEMM.packedCount(k: k, n: n)
        return UnsafePointer(out)
    }

    /// Packs `B` [k × n] (row stride `ldb`; given as `Bᵀ` [n × k] when `transposed`) into `panels`.
    static func packTile(_ b: UnsafePointer<Float>, ldb: Int, transposed: Bool, k: Int, n: Int,
                         into panels: UnsafeMutablePointer<Float>) {
        PackedGEMM.pack(b, ldb: ldb, transposed: transposed, k: k, n: n, into: panels)
    }

    /// `C ← A·B` on the calling thread for the packed `B` [k × n] (one tile, all of K in one block).
    static func gemmTile(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, panels: UnsafePointer<Float>,
                         c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        let count = (n + PackedGEMM.panelWidth - 1) / PackedGEMM.panelWidth
        PackedGEMM.run(m: m, n: n, k: k, a: a, lda: lda, packed: panels, c: c, ldc: ldc, epilogue: GEMM.Epilogue(),
                       threads: inline, tiling: PackedGEMM.Tiling(rows: m, panels: count, kc: max(k, 1)))
    }

    /// The one-thread pool the tiles' GEMMs run on (inline, no dispatch).
    private static let inline = ThreadPool(threads: 1)
}
