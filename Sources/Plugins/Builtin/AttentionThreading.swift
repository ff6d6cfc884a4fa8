import Kernels

/// How an attention plugin spreads its (batch, head) tiles over threads (its tactic's kind).
///
/// The projections always run on ``PackedGEMM`` over the context's pool, and
/// the tiles' small GEMMs on its register-blocked tile kernel, one thread per
/// tile: no OpenBLAS call anywhere, so no BLAS thread count to switch and no
/// oversubscription. The modes differ only in the tiles:
/// - `parallel`: tiles spread over the pool (inline when all tiles together
///   are too little work to pay for waking the workers, see ``inlineWork``);
/// - `serial`: tiles one after another on the calling thread.
enum AttentionThreading {
    case serial, parallel

    /// The mode a tactic named `<prefix>.heads.serial` or `<prefix>.heads.parallel` selects,
    /// either with the suffix `.rows` (see ``rowMajor(_:)``).
    init?(tactic: String, prefix: String) {
        switch Self.threading(tactic) {
        case prefix + ".heads.serial": self = .serial
        case prefix + ".heads.parallel": self = .parallel
        default: return nil
        }
    }

    /// The suffix of the tactics whose tiles take the row-major path (scores Q·Kᵀ, a softmax
    /// along rows, the probabilities packed again for P·V) even where `wb_attention_tile`'s
    /// keys-major one runs (AVX-512, a mask the same for every query).
    static let rowsSuffix = ".rows"

    /// Whether `tactic` asks for the row-major tile path.
    static func rowMajor(_ tactic: String) -> Bool { tactic.hasSuffix(rowsSuffix) }

    /// `tactic` without the `.rows` suffix: the part that names the threading.
    private static func threading(_ tactic: String) -> Substring {
        rowMajor(tactic) ? tactic.dropLast(rowsSuffix.count) : Substring(tactic)
    }

    /// The tactics the builder times: `parallel` with the keys-major tiles and with the
    /// row-major ones. It already runs tiny tiles inline, so `serial` only ever tied it at the
    /// opt shape (4×64: 0.595 against 0.598 ms) and, picked on such noise, would run the max
    /// shape's tiles on one thread.
    static func tactics(_ prefix: String) -> [String] { [prefix + ".heads.parallel", prefix + ".heads.parallel" + rowsSuffix] }

    /// Multiply-adds below which the parallel mode runs its tiles inline: waking
    /// the pool's workers costs tens of microseconds, more than this much work.
    static let inlineWork = 1 << 17

    /// Runs `body(tile)` for `tiles` tiles, each on one thread with its own scratch
    /// slot: tile `i` uses slot `i % slots`, and a slot's tiles run on one worker in turn.
    /// `work` is the multiply-adds of all tiles together.
    func forEachTile(_ tiles: Int, slots: Int, work: Int, pool: ThreadPool, _ body: (_ tile: Int, _ slot: Int) -> Void) {
        guard self == .parallel, pool.threads > 1, tiles > 1, work >= Self.inlineWork else {
            for i in 0..<tiles { body(i, 0) }
            return
        }
        pool.parallelFor(min(slots, tiles)) { slot in
            var i = slot
            while i < tiles { body(i, slot); i += slots }
        }
    }

    /// Scratch slots a tactic keeps for `tiles` tiles (one for `serial`).
    static func slots(tactic: String, tiles: Int, maxSlots: Int) -> Int {
        threading(tactic).hasSuffix(".heads.serial") ? 1 : max(1, min(tiles, maxSlots))
    }
}
