import IR
import Kernels

/// Conformer (WeNet) multi-head self-attention with relative positional
/// encoding, from the normalized input to the output projection
/// (`com.workbench::RelPosAttention`):
///
///     [Q K V] = X·Wqkv + bqkv                  (one GEMM over B·T rows)
///     P       = pos·Wpos                       (linear_pos, no bias)
///     S_h     = scale · ((Q_h + u_h)·K_hᵀ + (Q_h + v_h)·P_hᵀ)
///     A_h     = softmax(S_h over the kept keys), 0 on masked keys
///     Y       = concat_h(A_h·V_h) · Wout + bout
///
/// Inputs: `X` [B, T, C], `Wqkv` [C, 3C], `bqkv` [3C], `pos` [1 or B, T, C],
/// `Wpos` [C, C], `pos_bias_u` and `pos_bias_v` [H, D], `Wout` [C, C],
/// `bout` [C], optional key `mask` with B·T elements ([B, 1, T], [B, 1, 1, T];
/// bool, int32, int64 or float32). Output `Y` [B, T, C].
///
/// Attributes: `num_heads` (INT), `scale` (FLOAT), `masked_when` (STRING:
/// `zero`, a key is masked where the mask is 0 — WeNet's keep mask — or
/// `nonzero`, a key is masked where the mask is not 0; default `zero`).
/// A query row whose keys are all masked gives a zero context row (WeNet's
/// `masked_fill(mask, 0)` after the softmax).
///
/// The projections run on ``PackedGEMM`` with their weights (`Wqkv`, `Wpos`,
/// `Wout`) packed at build time (``pack(constant:input:)``; weights given at
/// run time are packed into the workspace) and their biases in the GEMM
/// epilogue. The kernel then works per (batch, head) tile, while the tile is
/// in cache (``RelPosTile``): the biased, scaled queries
/// `[(Q_h + u_h)·s | (Q_h + v_h)·s]` (T×2D) times the keys `[K_h | P_h]`
/// (n×2D) in one register-blocked GEMM, the key mask, a SIMD softmax, then
/// `A_h·V_h` into the context; with AVX-512 through `wb_attention_tile`
/// (keys-major scores 16 queries at a time, nothing repacked between the
/// softmax and `A_h·V_h`). Only the keys up to the last kept one take
/// part; every query row is computed, padded ones included, since the
/// unfused graph gives them values too. No OpenBLAS call anywhere.
///
/// Tactics (see ``AttentionThreading``): `relpos.heads.parallel` (tiles
/// spread over the context's threads, inline when they are tiny) and
/// `relpos.heads.serial` (tiles one after another on the calling thread; run
/// when asked for, not timed by the builder), each also with the suffix `.rows`,
/// whose tiles take the row-major path even where the keys-major one runs; the
/// builder times `relpos.heads.parallel` against `relpos.heads.parallel.rows`.
public final class RelPosAttentionPlugin: Plugin {
    public static let name = "RelPosAttention"
    public static let version = 2
    static let tacticNames = AttentionThreading.tactics("relpos")
    public let heads: Int
    public let scale: Float
    /// True when a key is masked where the mask is nonzero.
    public let maskedWhenNonzero: Bool

    public init(attributes: [String: Attribute]) throws {
        let a = PluginAttributes(Self.qualifiedName, attributes)
        try a.only(["num_heads", "scale", "masked_when"])
        heads = try a.int("num_heads")
        scale = try a.float("scale")
        maskedWhenNonzero = try a.string("masked_when", default: "zero", allowed: ["zero", "nonzero"]) == "nonzero"
        guard heads > 0 else { throw a.fail("num_heads", "must be positive, got \(heads)") }
        guard scale.isFinite else { throw a.fail("scale", "must be finite") }
    }

    public var attributes: [String: Attribute] {
        ["num_heads": .int(heads), "scale": .float(scale), "masked_when": .string(maskedWhenNonzero ? "nonzero" : "zero")]
    }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let p = Self.qualifiedName
        let x = try PluginInputs.float(inputs, 0, plugin: p)
        for i in 1...8 { _ = try PluginInputs.float(inputs, i, plugin: p) }
        if let s = x.shape, s.rank != 3 { throw PluginError.invalidInputs(plugin: p, reason: "X must be [B, T, C], got \(s.bracketed)") }
        if let c = x.shape?.dims.last?.value, c % heads != 0 {
            throw PluginError.invalidInputs(plugin: p, reason: "hidden size \(c) is not a multiple of \(heads) heads")
        }
        return [x]
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { Self.tacticNames }

    /// Tile workspaces the parallel tactic keeps (tile `bh` uses slot `bh % slots`).
    static let maxSlots = 16

    /// The inputs holding projection weights, with their (K, N) in units of C: Wqkv, Wpos, Wout.
    private static let weightInputs: [(input: Int, n: Int, name: String)] = [(1, 3, "Wqkv"), (4, 1, "Wpos"), (7, 1, "Wout")]

    /// Packs the projection weights `Wqkv`, `Wpos` and `Wout` into ``PackedGEMM``'s panels.
    public func pack(constant: Tensor, input: Int) throws -> Tensor? {
        Self.weightInputs.contains { $0.input == input } ? AttentionPanels.pack(constant) : nil
    }

    public func workspaceSize(inputShapes: [[Int]], tactic: String) -> Int {
        guard inputShapes.count > 7, inputShapes[0].count == 3, inputShapes[3].count == 3 else { return 0 }
        let (b, t, c) = (inputShapes[0][0], inputShapes[0][1], inputShapes[0][2])
        let slots = AttentionThreading.slots(tactic: tactic, tiles: b * heads, maxSlots: Self.maxSlots)
        var floats = b * t * 3 * c + inputShapes[3][0] * t * c + b * t * c + b * t
        for w in Self.weightInputs { floats += AttentionPanels.scratchFloats(inputShapes[w.input], k: c, n: w.n * c) }
        return (floats + slots * RelPosTile.floats(t: t, d: c / heads)) * MemoryLayout<Float>.size
    }

    public func enqueue(_ call: PluginCall) throws {
        let p = Self.qualifiedName
        let x = try call.input(0, of: p)
        guard x.shape.count == 3, let y = call.outputs.first, let ws = call.workspace else {
            throw PluginError.invalidInputs(plugin: p, reason: "X must be [B, T, C]")
        }
        guard let mode = AttentionThreading(tactic: call.tactic, prefix: "relpos") else {
            throw PluginError.unknownTactic(plugin: p, tactic: call.tactic)
        }
        let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
        guard c % heads == 0, y.count == x.count else {
            throw PluginError.invalidInputs(plugin: p, reason: "X \(x.shape) does not split into \(heads) heads")
        }
        let pos = try call.input(3, of: p)
        let bp = pos.shape.first ?? 0
        guard pos.shape.count == 3, bp == 1 || bp == b, pos.shape[1] == t, pos.shape[2] == c else {
            throw PluginError.invalidInputs(plugin: p, reason: "pos is \(pos.shape), expected [1 or \(b), \(t), \(c)]")
        }
        for (k, (what, n)) in [(2, ("bqkv", 3 * c)), (5, ("pos_bias_u", c)), (6, ("pos_bias_v", c)), (8, ("bout", c))] {
            try PluginInputs.check(try call.input(k, of: p), count: n, what, plugin: p)
        }
        let qkv = ws.assumingMemoryBound(to: Float.self)
        let proj = qkv + b * t * 3 * c, ctx = proj + bp * t * c, keep = ctx + b * t * c
        var scratch = keep + b * t
        let panels = try Self.weightInputs.map {
            try AttentionPanels.panels(call.input($0.input, of: p), k: c, n: $0.n * c, $0.name, plugin: p, scratch: &scratch)
        }
        try readMask(call.inputs.count > 9 ? call.inputs[9] : nil, b: b, t: t, into: keep)
        let pool = call.threads
        let bias = { (k: Int) in GEMM.Epilogue(bias: UnsafePointer(call.inputs[k]?.floats)) }
        PackedGEMM.run(m: b * t, n: 3 * c, k: c, a: x.floats, lda: c, packed: panels[0], c: qkv, ldc: 3 * c,
                       epilogue: bias(2), threads: pool)
        PackedGEMM.run(m: bp * t, n: c, k: c, a: pos.floats, lda: c, packed: panels[1], c: proj, ldc: c,
                       epilogue: GEMM.Epilogue(), threads: pool)
        let tile = RelPosTile(t: t, c: c, d: c / heads, heads: heads, scale: scale, posPerBatch: bp != 1, qkv: qkv,
                              proj: proj, keep: keep, u: try call.input(5, of: p).floats,
                              v: try call.input(6, of: p).floats, ctx: ctx,
                              keysMajor: !AttentionThreading.rowMajor(call.tactic))
        let slots = AttentionThreading.slots(tactic: call.tactic, tiles: b * heads, maxSlots: Self.maxSlots)
        let size = RelPosTile.floats(t: t, d: c / heads)
        mode.forEachTile(b * heads, slots: slots, work: b * heads * tile.work, pool: pool) { bh, slot in
            tile.run(bh, scratch: scratch + slot * size)
        }
        PackedGEMM.run(m: b * t, n: c, k: c, a: ctx, lda: c, packed: panels[2], c: y.floats, ldc: c,
                       epilogue: bias(8), threads: pool)
    }

    /// Writes 1 for a kept key and 0 for a masked one, [B, T] (all kept without a mask).
    private func readMask(_ mask: TensorBuffer?, b: Int, t: Int, into keep: UnsafeMutablePointer<Float>) throws {
        guard let mask else { for i in 0..<(b * t) { keep[i] = 1 }; return }
        guard mask.count == b * t else {
            throw PluginError.invalidInputs(plugin: Self.qualifiedName, reason: "mask \(mask.shape) does not hold one value per key of [\(b), \(t)]")
        }
        let n = b * t
        for i in 0..<n {
            let nonzero: Bool
            switch mask.dataType {
            case .bool, .uint8: nonzero = mask.data.assumingMemoryBound(to: UInt8.self)[i] != 0
            case .int32: nonzero = mask.int32s[i] != 0
            case .int64: nonzero = mask.int64s[i] != 0
            case .float32: nonzero = mask.floats[i] != 0
            default:
                throw PluginError.invalidInputs(plugin: Self.qualifiedName, reason: "mask of type \(mask.dataType) is not supported")
            }
            keep[i] = nonzero != maskedWhenNonzero ? 1 : 0
        }
    }
}

