import CKernels
import Kernels
import Synchronization

/// How ``Conv2dSubsamplingPlugin`` computes the second convolution and spreads its frame blocks over the pool.
public enum SubsamplingTactic: String, CaseIterable, Sendable {
    /// Winograd form (25 instead of 36 channel products per 2×2 outputs), blocks of about 12
    /// tiles spread over the workers, each block single-threaded.
    case winograd = "subsampling.winograd"

    /// im2col + GEMM, blocks of about 96 GEMM rows spread over the workers, each block single-threaded.
    case blocks = "subsampling.blocks"
    /// im2col + GEMM, blocks of about 192 GEMM rows one after another, each step (and the GEMM) threaded.
    case gemm = "subsampling.gemm"
    /// Output frames per step of the block split: the Winograd tiles cover frame pairs.
    var frameUnit: Int { self == .winograd ? 2 : 1 }

    /// Frame units a block aims at for F'' output frequencies: about 96 or 192 GEMM rows
    /// (frames × F''), or about 12 Winograd tiles (pairs × ⌈F''/2⌉). For the encoder (F'' = 19)
    /// that is one frame pair, whose transformed input and products (250 KB each) stay in L2:
    /// at 16×256 blocks of 10, 20, 32, 50 and 80 tiles took 83.6, 85.2, 85.6, 89.7 and 92.6 ms
    /// (the builder's timing on 2 threads; im2col's `subsampling.blocks` 109.8 ms).
    func targetUnits(f2: Int) -> Int {
        switch self {
        case .blocks: return Swift.max(1, 96 / f2)
        case .gemm: return Swift.max(1, 192 / f2)
        case .winograd: return Swift.max(1, 12 / ((f2 + 1) / 2))
        }
    }
}

/// Sizes of one ``Conv2dSubsamplingPlugin`` call and its workspace layout.
struct Geometry {
    let b, t, f, c, t1, f1, t2, f2: Int
    let tactic: SubsamplingTactic
    /// Whether W1 arrives as `[9, C]` and W2 as packed panels (else they are packed into the workspace).
    let w1Packed, w2Packed: Bool
    /// Blocks per batch item, and the frames a slot has room for: min(target, T'') rounded up to
    /// the tactic's frame unit, at least any block's (the blocks split T'' evenly), and never
    /// smaller for a larger X, since the builder sizes the workspace at the profile's max shapes.
    let blocksPerItem, frameCapacity: Int
    /// Worker slots of workspace: one for `subsampling.gemm`, up to ``maxWorkers`` for the others.
    let slots: Int

    /// The most workers `subsampling.blocks` and `subsampling.winograd` use (and have workspace for).
    static let maxWorkers = 8

    /// Nil when X is too short for two convolutions.
    init?(x: [Int], c: Int, tactic: SubsamplingTactic, w1Packed: Bool, w2Packed: Bool) {
        guard x.count >= 3, c > 0 else { return nil }
        (b, t, f, self.c) = (x[0], x[x.count - 2], x[x.count - 1], c)
        (t1, f1) = ((t - 1) / 2, (f - 1) / 2)
        (t2, f2) = ((t1 - 1) / 2, (f1 - 1) / 2)
        guard b >= 0, t >= 7, f >= 7 else { return nil }
        (self.tactic, self.w1Packed, self.w2Packed) = (tactic, w1Packed, w2Packed)
        let unit = tactic.frameUnit, units = (t2 + unit - 1) / unit
        let target = tactic.targetUnits(f2: f2)
        let perItem = (units + target - 1) / target
        // An even number of blocks, so two workers finish together: at 1×64 (T'' = 15) three
        // blocks left one worker idle for a third of the front end (the encoder 5% faster at
        // 1×64, interleaved). That only makes blocks smaller, so the slot size stays.
        blocksPerItem = tactic != .gemm && (b * perItem) % 2 == 1 && perItem < units ? perItem + 1 : perItem
        frameCapacity = unit * Swift.min(target, units)
        // Slots from 2·b·⌈units/target⌉ (≥ the blocks), which never shrinks as the shape grows,
        // so the workspace sized at the profile's max shape has room at every smaller one
        // (the block count itself does not: 3 × 15 frames makes 6 blocks, 4 × 15 makes 4).
        slots = tactic == .gemm ? 1 : Swift.min(Self.maxWorkers, Swift.max(1, 2 * b * perItem))
    }

    /// im2col columns: 9·C.
    var k: Int { 9 * c }
    /// Winograd tiles across the frequencies: ⌈F''/2⌉.
    var tf: Int { (f2 + 1) / 2 }
    /// Blocks in the call.
    var blocks: Int { b * blocksPerItem }
    /// Block `i`'s batch item and frames (whole frame units but at the item's end).
    func block(_ i: Int) -> (item: Int, frames: Range<Int>) {
        let (item, j) = (i / blocksPerItem, i % blocksPerItem)
        let unit = tactic.frameUnit, units = (t2 + unit - 1) / unit
        return (item, Swift.min(t2, unit * (j * units / blocksPerItem))..<Swift.min(t2, unit * ((j + 1) * units / blocksPerItem)))
    }

    static func padded(_ n: Int) -> Int { (n + 15) & ~15 }
    /// Floats of W2 packed for im2col (`[⌈C/16⌉, 9C, 16]`) and for the Winograd form (16 packed C×C matrices).
    static func im2colWeightFloats(c: Int) -> Int { PackedGEMM.packedCount(k: 9 * c, n: c) }
    static func winogradMatrixFloats(c: Int) -> Int { PackedGEMM.packedCount(k: c, n: c) }
    static func winogradWeightFloats(c: Int) -> Int { 16 * winogradMatrixFloats(c: c) }
    /// The floats of W2 this tactic multiplies by.
    var w2Floats: Int { tactic == .winograd ? Self.winogradWeightFloats(c: c) : Self.im2colWeightFloats(c: c) }
    // Workspace, in floats: W1 as [9, C] and W2 packed when they came unpacked, then per slot
    // the block's conv1 rows H [2n + 1, F', C], then for im2col its matrix [n·F'', 9C] and the
    // GEMM result [n·F'', C], for Winograd the transformed input and the products [25, tiles, C].
    var w1Offset: Int { 0 }
    var w2Offset: Int { w1Packed ? 0 : Self.padded(9 * c) }
    var slotsOffset: Int { w2Offset + (w2Packed ? 0 : Self.padded(w2Floats)) }
    var hFloats: Int { Self.padded((2 * frameCapacity + 1) * f1 * c) }
    /// Winograd: the 25 points of a slot's tiles (frame pairs × ⌈F''/2⌉), C floats each.
    var pointFloats: Int { 25 * (frameCapacity / 2) * tf * c }
    var colFloats: Int { Self.padded(tactic == .winograd ? pointFloats : frameCapacity * f2 * k) }
    var zFloats: Int { Self.padded(tactic == .winograd ? pointFloats : frameCapacity * f2 * c) }
    var slotFloats: Int { hFloats + colFloats + zFloats }
    var workspaceFloats: Int { slotsOffset + slots * slotFloats }

    /// W1 [C, 1, 3, 3] reordered to [9, C] into `dst`.
    func packW1(_ w1: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        for ch in 0..<c { for tap in 0..<9 { dst[tap * c + ch] = w1[ch * 9 + tap] } }
        return UnsafePointer(dst)
    }

    /// W2 [C, C, 3, 3] packed for this tactic into `dst`.
    func packW2(_ w2: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        if tactic == .winograd { wb_subsampling_pack_w2_winograd(c, w2, dst) } else { wb_subsampling_pack_w2(c, w2, dst) }
        return UnsafePointer(dst)
    }

    /// This tactic's part of W2 packed by ``Conv2dSubsamplingPlugin/pack(constant:input:)``
    /// (the im2col panels, then the Winograd matrices).
    func packedW2(_ w2: UnsafePointer<Float>) -> UnsafePointer<Float> {
        tactic == .winograd ? w2 + Self.im2colWeightFloats(c: c) : w2
    }
}

/// The block loops of ``Conv2dSubsamplingPlugin`` on one call's buffers (see the
/// plugin for the maths and ``Geometry`` for the workspace layout).
struct SubsamplingKernel: @unchecked Sendable {
    let g: Geometry
    let x, w1t, b1, w2p, b2: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
    /// The first worker slot of the workspace.
    let ws: UnsafeMutablePointer<Float>

    /// The workspace of one worker: conv1 rows, im2col matrix, GEMM result.
    private func slot(_ s: Int) -> (h: UnsafeMutablePointer<Float>, col: UnsafeMutablePointer<Float>, z: UnsafeMutablePointer<Float>) {
        let h = ws + s * g.slotFloats
        return (h, h + g.hFloats, h + g.hFloats + g.colFloats)
    }

    /// The K block of the packed GEMM (A's block of 96 × 256 floats stays in L2).
    private static let kc = 256

    /// `count` conv1 rows starting at local row `row` of the block whose first frame is `frame` of `item`.
    private func conv1(item: Int, frame: Int, rows: Range<Int>, h: UnsafeMutablePointer<Float>) {
        guard !rows.isEmpty else { return }
        let xr = x + (item * g.t + 4 * frame + 2 * rows.lowerBound) * g.f
        wb_subsampling_conv1(rows.count, g.f, g.c, xr, w1t, b1, h + rows.lowerBound * g.f1 * g.c)
    }

    /// Tactic `subsampling.blocks`: each worker claims the next block (so a descheduled
    /// worker delays no one) and runs it single-threaded in its own workspace slot.
    func blocksInParallel(_ threads: ThreadPool) {
        let workers = Swift.min(threads.threads, g.slots, g.blocks)
        guard workers > 0 else { return }
        let next = Atomic<Int>(0)
        threads.parallelFor(workers) { w in
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < g.blocks else { return }
                if g.tactic == .winograd { runWinogradBlock(i, slot: w) } else { runBlock(i, slot: w) }
            }
        }
    }

    /// Block `i` on one thread in workspace slot `s`: conv1 rows, im2col, GEMM, store.
    private func runBlock(_ i: Int, slot s: Int) {
        let (h, col, z) = slot(s)
        let (item, frames) = g.block(i)
        let n = frames.count, m = n * g.f2
        conv1(item: item, frame: frames.lowerBound, rows: 0..<(2 * n + 1), h: h)
        wb_subsampling_im2col(n, g.f1, g.f2, g.c, h, col)
        PackedGEMM.run(m: m, n: g.c, k: g.k, a: col, lda: g.k, packed: w2p, c: z, ldc: g.c, epilogue: GEMM.Epilogue(),
                       threads: Self.single, tiling: .init(rows: m, panels: (g.c + 15) / 16, kc: Self.kc))
        wb_subsampling_store(n, g.f2, g.c, z, b2, y + (item * g.t2 + frames.lowerBound) * g.c * g.f2)
    }

    /// Block `i` in Winograd form on one thread in workspace slot `s`: conv1 rows, the input
    /// transform, one packed GEMM per weight group, the output transform with bias and ReLU;
    /// then an odd last frame (``Geometry/block(_:)`` gives one only at an item's end) through
    /// the tail transforms, whose 12 GEMMs reuse the groups' matrices.
    private func runWinogradBlock(_ i: Int, slot s: Int) {
        let (h, v, m) = slot(s)
        let (item, frames) = g.block(i)
        let n = frames.count, pairs = n / 2
        let out = y + (item * g.t2 + frames.lowerBound) * g.c * g.f2
        conv1(item: item, frame: frames.lowerBound, rows: 0..<(2 * n + 1), h: h)
        if pairs > 0 {
            let tiles = pairs * g.tf
            wb_subsampling_winograd_input(pairs, 4 * pairs + 1, g.f1, g.tf, g.c, h, v)
            for group in 0..<16 {
                var first = 0, count = 0
                wb_subsampling_winograd_group(Int32(group), &first, &count)
                multiply(rows: count * tiles, at: first * tiles * g.c, group: group, v: v, m: m)
            }
            wb_subsampling_winograd_output(2 * pairs, g.tf, g.f2, g.c, m, b2, out)
        }
        guard n % 2 == 1 else { return }
        wb_subsampling_winograd_tail_input(g.f1, g.tf, g.c, h + 4 * pairs * g.f1 * g.c, v)
        for (r, gp) in [0, 3, 2].enumerated() {
            for gq in 0..<4 {
                multiply(rows: (gq == 3 ? 2 : 1) * g.tf, at: (r * 5 + gq) * g.tf * g.c, group: gp * 4 + gq, v: v, m: m)
            }
        }
        wb_subsampling_winograd_tail_output(g.tf, g.f2, g.c, m, b2, out + 2 * pairs * g.c * g.f2)
    }

    /// `m[at ..< at + rows·C] = v[at ..< at + rows·C] · U_group` (rows of C floats).
    private func multiply(rows: Int, at: Int, group: Int, v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>) {
        let panels = (g.c + PackedGEMM.panelWidth - 1) / PackedGEMM.panelWidth
        PackedGEMM.run(m: rows, n: g.c, k: g.c, a: v + at, lda: g.c, packed: w2p + group * Geometry.winogradMatrixFloats(c: g.c),
                       c: m + at, ldc: g.c, epilogue: GEMM.Epilogue(), threads: Self.single,
                       tiling: .init(rows: rows, panels: panels, kc: g.c))
    }

    private static let single = ThreadPool(threads: 1)

    /// Tactic `subsampling.gemm`: blocks one after another in slot 0, conv1, im2col and the
    /// store split over the pool, the GEMM over the pool's tiles.
    func blocksInSequence(_ threads: ThreadPool) {
        let (h, col, z) = slot(0)
        for i in 0..<g.blocks {
            let (item, frames) = g.block(i)
            let n = frames.count, m = n * g.f2
            threads.parallelChunks(2 * n + 1) { rows in conv1(item: item, frame: frames.lowerBound, rows: rows, h: h) }
            threads.parallelChunks(n) { s in
                wb_subsampling_im2col(s.count, g.f1, g.f2, g.c, h + 2 * s.lowerBound * g.f1 * g.c, col + s.lowerBound * g.f2 * g.k)
            }
            PackedGEMM.run(m: m, n: g.c, k: g.k, a: col, lda: g.k, packed: w2p, c: z, ldc: g.c, epilogue: GEMM.Epilogue(),
                           threads: threads)
            threads.parallelChunks(n) { s in
                wb_subsampling_store(s.count, g.f2, g.c, z + s.lowerBound * g.f2 * g.c, b2,
                                     y + (item * g.t2 + frames.lowerBound + s.lowerBound) * g.c * g.f2)
            }
        }
    }
}
