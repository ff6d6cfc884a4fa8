import IR
import CKernels
import Kernels

/// The Conformer's convolutional front end, WeNet's `Conv2dSubsampling4`
/// (`com.workbench::Conv2dSubsampling`): two 3×3 convolutions of stride 2
/// without padding, each followed by ReLU, and the time-major flattening
/// after them:
///
///     H[b, c, i, j] = relu(b1[c] + Σ_{kh,kw} W1[c, 0, kh, kw] · X[b, 2i + kh, 2j + kw])
///     Z[b, c, t, f] = relu(b2[c] + Σ_{c',kh,kw} W2[c, c', kh, kw] · H[b, c', 2t + kh, 2f + kw])
///     Y[b, t, c·F'' + f] = Z[b, c, t, f]
///
/// which is `Transpose(perm 0,2,1,3)` then `Reshape([B, T'', C·F''])` of
/// the second ReLU's output, with `T' = ⌊(T − 1)/2⌋`, `T'' = ⌊(T' − 1)/2⌋`
/// (likewise for F).
///
/// Inputs: `X` [B, T, F] or [B, 1, T, F], `W1` [C, 1, 3, 3], `b1` [C],
/// `W2` [C, C, 3, 3], `b2` [C]. Output `Y` [B, T'', C·F'']. No attributes.
///
/// Build time: ``pack(constant:input:)`` stores `W1` as `[9, C]` (tap-major)
/// and `W2` in both forms the tactics multiply by, so no weight is reordered
/// per inference (weights given unpacked are packed into the workspace on
/// every call): the ``PackedGEMM`` panels of the `[9C, C]` im2col matrix
/// `B[(kh, kw, c'), c] = W2[c, c', kh, kw]`, then the 16 Winograd weight
/// matrices (`wb_subsampling_pack_w2_winograd`), shape `[⌈C/16⌉, 25C, 16]`.
///
/// Run time: the output frames of each batch item are cut into blocks. For a
/// block of `n` frames only the `2n + 1` rows of the first convolution they
/// read are computed (channels-last, vectorized over C, ReLU fused; the row
/// shared with the next block is recomputed), then the second convolution
/// runs on them while they are in cache, and its result is stored with bias
/// and ReLU into `Y`'s order. The workspace is per worker slot and bounded
/// independently of B and T. Tactics:
/// - `subsampling.blocks`: im2col (rows `(t, f)`, columns `(kh, kw, c')`) and
///   one ``PackedGEMM`` call per block of about 96 rows, blocks spread over the
///   pool, each single-threaded (1.4 MB per slot for the encoder's C = 256,
///   F = 80, up to ``Geometry/maxWorkers`` slots);
/// - `subsampling.gemm`: the same in blocks of about 192 rows one after
///   another, each step threaded, the GEMM over the pool's tiles (one 2.8 MB slot);
/// - `subsampling.winograd`: 2×2 output tiles in Winograd form (see
///   `subsampling.c`: 25 channel products per tile instead of 36; the transforms
///   only add and subtract), blocks of one frame pair spread over the pool,
///   each an input transform, 16 ``PackedGEMM`` calls (one per weight group) and
///   the output transform (0.7 MB per slot); an odd last frame takes 1×2 tiles
///   (15 products: the time taps direct). The encoder's front end at 16×256
///   takes 84 ms this way against 110 ms with `subsampling.blocks`, at 16×16
///   (T'' = 3) 4.5 ms against 5.2 (the builder's timing, 2 threads).
public final class Conv2dSubsamplingPlugin: Plugin {
    public static let name = "Conv2dSubsampling"
    public static let version = 3

    /// The tactic identifiers, best guess first.
    public static let tacticNames = SubsamplingTactic.allCases.map(\.rawValue)

    public init(attributes: [String: Attribute]) throws {
        try PluginAttributes(Self.qualifiedName, attributes).only([])
    }

    public var attributes: [String: Attribute] { [:] }

    /// `⌊(n − 1)/2⌋`: the output length of a 3-tap, stride-2 unpadded convolution over `n`.
    static func reduced(_ n: Dim) -> Dim {
        if let v = n.value { return .value(Swift.max(0, (v - 1) / 2)) }
        return n.subtracting(.value(1)).floorDivided(by: .value(2)) ?? .symbol("((\(n))-1)/2")
    }

    /// C from `W2`'s shape, `[C, C, 3, 3]` or packed `[⌈C/16⌉, 25C, 16]`; nil for any other shape.
    static func channels(w2 shape: [Int]) -> Int? {
        if shape.count == 4, shape[0] > 0, shape[1] == shape[0], shape[2] == 3, shape[3] == 3 { return shape[0] }
        guard shape.count == 3, shape[2] == PackedGEMM.panelWidth, shape[1] > 0, shape[1] % 25 == 0 else { return nil }
        let c = shape[1] / 25
        return shape[0] == (c + PackedGEMM.panelWidth - 1) / PackedGEMM.panelWidth ? c : nil
    }

    /// Whether `W1`'s shape is `[C, 1, 3, 3]` or packed `[9, C]`.
    static func isW1(_ shape: [Int], c: Int) -> Bool { shape == [c, 1, 3, 3] || shape == [9, c] }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let p = Self.qualifiedName
        let x = try PluginInputs.float(inputs, 0, plugin: p)
        for i in 1...4 { _ = try PluginInputs.float(inputs, i, plugin: p) }
        guard let w2 = inputs[3]?.shape?.staticSizes, let c = Self.channels(w2: w2) else {
            throw PluginError.invalidInputs(plugin: p, reason: "W2 must be [C, C, 3, 3] with a static C")
        }
        guard let w1 = inputs[1]?.shape?.staticSizes, Self.isW1(w1, c: c) else {
            throw PluginError.invalidInputs(plugin: p, reason: "W1 must be [\(c), 1, 3, 3]")
        }
        guard let xs = x.shape else { return [ValueType(.float32, nil)] }
        guard xs.rank == 3 || (xs.rank == 4 && xs[1].value == 1) else {
            throw PluginError.invalidInputs(plugin: p, reason: "X must be [B, T, F] or [B, 1, T, F], got \(xs.bracketed)")
        }
        let t = xs[xs.rank - 2], f = xs[xs.rank - 1]
        guard let fv = f.value else {
            throw PluginError.invalidInputs(plugin: p, reason: "X's feature dim must be static, got \(xs.bracketed)")
        }
        let f2 = (Swift.max(0, (fv - 1) / 2) - 1) / 2
        guard f2 >= 1 else {
            throw PluginError.invalidInputs(plugin: p, reason: "X's feature dim \(fv) is below 7")
        }
        return [ValueType(.float32, Shape([xs[0], Self.reduced(Self.reduced(t)), .value(c * f2)]))]
    }

    /// Packs `W1` [C, 1, 3, 3] into `[9, C]` and `W2` [C, C, 3, 3] into ``PackedGEMM``'s
    /// panels of `B[(kh, kw, c'), c]` followed by the Winograd matrices (``packedW2Shape(c:)``);
    /// other inputs stay as they are.
    public func pack(constant: Tensor, input: Int) throws -> Tensor? {
        guard input == 1 || input == 3, case .float32(let w) = constant.data, constant.shape.count == 4 else { return nil }
        let c = constant.shape[0]
        if input == 1 {
            guard c > 0, constant.shape == [c, 1, 3, 3] else { return nil }
            var out = [Float](repeating: 0, count: 9 * c)
            for ch in 0..<c { for tap in 0..<9 { out[tap * c + ch] = w[ch * 9 + tap] } }
            return Tensor(shape: [9, c], data: .float32(out))
        }
        guard c > 0, constant.shape == [c, c, 3, 3] else { return nil }
        let im2col = Geometry.im2colWeightFloats(c: c)
        var out = [Float](repeating: 0, count: im2col + Geometry.winogradWeightFloats(c: c))
        w.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                wb_subsampling_pack_w2(c, s, d)
                wb_subsampling_pack_w2_winograd(c, s, d + im2col)
            }
        }
        return Tensor(shape: Self.packedW2Shape(c: c), data: .float32(out))
    }

    /// The shape of W2 packed for both forms: `[⌈C/16⌉, 25C, 16]` holds as many floats as the
    /// im2col panels `[⌈C/16⌉, 9C, 16]` followed by the 16 Winograd matrices `[⌈C/16⌉, C, 16]`.
    static func packedW2Shape(c: Int) -> [Int] {
        [(c + PackedGEMM.panelWidth - 1) / PackedGEMM.panelWidth, 25 * c, PackedGEMM.panelWidth]
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { Self.tacticNames }

    public func workspaceSize(inputShapes: [[Int]], tactic: String) -> Int {
        guard inputShapes.count >= 4, let c = Self.channels(w2: inputShapes[3]),
              let t = SubsamplingTactic(rawValue: tactic.isEmpty ? Self.tacticNames[0] : tactic),
              let g = Geometry(x: inputShapes[0], c: c, tactic: t, w1Packed: inputShapes[1] == [9, c],
                               w2Packed: inputShapes[3].count == 3) else { return 0 }
        return g.workspaceFloats * MemoryLayout<Float>.stride
    }

    public func enqueue(_ call: PluginCall) throws {
        let p = Self.qualifiedName
        let x = try call.input(0, of: p), w1 = try call.input(1, of: p), b1 = try call.input(2, of: p)
        let w2 = try call.input(3, of: p), b2 = try call.input(4, of: p)
        guard let tactic = SubsamplingTactic(rawValue: call.tactic.isEmpty ? Self.tacticNames[0] : call.tactic) else {
            throw PluginError.unknownTactic(plugin: p, tactic: call.tactic)
        }
        let c = Self.channels(w2: w2.shape) ?? 0
        guard c > 0, Self.isW1(w1.shape, c: c), x.shape.count == 3 || (x.shape.count == 4 && x.shape[1] == 1),
              let g = Geometry(x: x.shape, c: c, tactic: tactic, w1Packed: w1.shape == [9, c], w2Packed: w2.shape.count == 3),
              let y = call.outputs.first, y.shape == [g.b, g.t2, c * g.f2] else {
            throw PluginError.invalidInputs(plugin: p, reason: "X \(x.shape), W1 \(w1.shape) and W2 \(w2.shape) do not make a 3×3/2 subsampling")
        }
        try PluginInputs.check(b1, count: c, "b1", plugin: p)
        try PluginInputs.check(b2, count: c, "b2", plugin: p)
        guard let ws = call.workspace else {
            throw PluginError.invalidInputs(plugin: p, reason: "missing workspace of \(g.workspaceFloats) floats")
        }
        let floats = ws.assumingMemoryBound(to: Float.self)
        let w1t = g.w1Packed ? UnsafePointer(w1.floats) : g.packW1(w1.floats, into: floats + g.w1Offset)
        let w2p = g.w2Packed ? g.packedW2(UnsafePointer(w2.floats)) : g.packW2(w2.floats, into: floats + g.w2Offset)
        let k = SubsamplingKernel(g: g, x: x.floats, w1t: w1t, b1: b1.floats, w2p: w2p, b2: b2.floats,
                                  y: y.floats, ws: floats + g.slotsOffset)
        switch tactic {
        case .blocks, .winograd: k.blocksInParallel(call.threads)
        case .gemm: k.blocksInSequence(call.threads)
        }
    }
}
