import IR
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
/// The first convolution runs directly (one input channel) into a
/// channels-last workspace; the second as im2col (rows are output positions
/// `(b, t, f)`, columns `(kh, kw, c')`) times `W2` reordered the same way,
/// with bias and ReLU applied while storing into `Y`'s order, one block of
/// about 4096 rows at a time (so the workspace does not grow with B·T).
/// Tactics: `subsampling.gemm` (one OpenBLAS call per block, BLAS threads)
/// and `subsampling.panels` (each block's frames `(b, t)` split over threads,
/// each running its own im2col, single-threaded GEMM and store).
public final class Conv2dSubsamplingPlugin: Plugin {
    public static let name = "Conv2dSubsampling"
    public static let version = 1

    /// The tactic identifiers, best guess first.
    public static let tacticNames = ["subsampling.gemm", "subsampling.panels"]

    public init(attributes: [String: Attribute]) throws {
        try PluginAttributes(Self.qualifiedName, attributes).only([])
    }

    public var attributes: [String: Attribute] { [:] }

    /// `⌊(n − 1)/2⌋`: the output length of a 3-tap, stride-2 unpadded convolution over `n`.
    static func reduced(_ n: Dim) -> Dim {
        if let v = n.value { return .value(Swift.max(0, (v - 1) / 2)) }
        return n.subtracting(.value(1)).floorDivided(by: .value(2)) ?? .symbol("((\(n))-1)/2")
    }

    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let p = Self.qualifiedName
        let x = try PluginInputs.float(inputs, 0, plugin: p)
        for i in 1...4 { _ = try PluginInputs.float(inputs, i, plugin: p) }
        guard let w2 = inputs[3]?.shape, w2.rank == 4, let c = w2[0].value, w2[1].value == c,
              w2[2].value == 3, w2[3].value == 3 else {
            throw PluginError.invalidInputs(plugin: p, reason: "W2 must be [C, C, 3, 3] with a static C")
        }
        guard let w1 = inputs[1]?.shape, w1.rank == 4, w1[0].value == c, w1[1].value == 1,
              w1[2].value == 3, w1[3].value == 3 else {
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

    public func tactics(inputShapes: [[Int]]) -> [String] { Self.tacticNames }

    public func workspaceSize(inputShapes: [[Int]], tactic: String) -> Int {
        guard inputShapes.count >= 4, let x = inputShapes.first, x.count >= 3, inputShapes[3].count == 4,
              let g = Geometry(x: x, c: inputShapes[3][0]) else { return 0 }
        return g.workspaceFloats * MemoryLayout<Float>.stride
    }

    public func enqueue(_ call: PluginCall) throws {
        let p = Self.qualifiedName
        let x = try call.input(0, of: p), w1 = try call.input(1, of: p), b1 = try call.input(2, of: p)
        let w2 = try call.input(3, of: p), b2 = try call.input(4, of: p)
        guard let tactic = Self.tacticNames.firstIndex(of: call.tactic.isEmpty ? Self.tacticNames[0] : call.tactic) else {
            throw PluginError.unknownTactic(plugin: p, tactic: call.tactic)
        }
        let c = w2.shape.first ?? 0
        guard w2.shape == [c, c, 3, 3], w1.shape == [c, 1, 3, 3], x.shape.count == 3 || (x.shape.count == 4 && x.shape[1] == 1),
              let g = Geometry(x: x.shape, c: c), let y = call.outputs.first, y.shape == [g.b, g.t2, c * g.f2],
              max(g.rows, g.k) <= BLAS.maxDimension else {
            throw PluginError.invalidInputs(plugin: p, reason: "X \(x.shape), W1 \(w1.shape) and W2 \(w2.shape) do not make a 3×3/2 subsampling")
        }
        try PluginInputs.check(b1, count: c, "b1", plugin: p)
        try PluginInputs.check(b2, count: c, "b2", plugin: p)
        guard let ws = call.workspace else {
            throw PluginError.invalidInputs(plugin: p, reason: "missing workspace of \(g.workspaceFloats) floats")
        }
        let k = SubsamplingKernel(g: g, x: x.floats, w1: w1.floats, b1: b1.floats, w2: w2.floats, b2: b2.floats,
                                  y: y.floats, ws: ws.assumingMemoryBound(to: Float.self))
        k.prepare(call.threads)
        if tactic == 0 { k.batched(call.threads) } else { k.panels(call.threads) }
    }
}

/// Sizes of one ``Conv2dSubsamplingPlugin`` call.
struct Geometry {
    let b, t, f, c, t1, f1, t2, f2: Int
    /// im2col columns: 9·C.
    var k: Int { 9 * c }
    /// GEMM rows: B·T''·F''.
    var rows: Int { b * t2 * f2 }
    /// Output frames `(b, t)` per block: the im2col matrix is built and multiplied one
    /// block at a time (about 4096 rows, 9C·4096 floats), bounding the workspace.
    var blockFrames: Int { Swift.max(1, Swift.min(b * t2, 4096 / Swift.max(f2, 1))) }
    /// GEMM rows per block.
    var blockRows: Int { blockFrames * f2 }

    /// Nil when X is too short for two convolutions.
    init?(x: [Int], c: Int) {
        guard x.count >= 3, c > 0 else { return nil }
        (b, t, f, self.c) = (x[0], x[x.count - 2], x[x.count - 1], c)
        (t1, f1) = ((t - 1) / 2, (f - 1) / 2)
        (t2, f2) = ((t1 - 1) / 2, (f1 - 1) / 2)
        guard b >= 0, t >= 7, f >= 7 else { return nil }
    }

    static func padded(_ n: Int) -> Int { (n + 15) & ~15 }
    // Workspace regions, in floats: W1 as [9, C], W2 as [C, (kh, kw, c')], H as [B, T', F', C],
    // the im2col matrix of one block [blockRows, 9C] and its GEMM result [blockRows, C].
    var w1Offset: Int { 0 }
    var w2Offset: Int { Self.padded(9 * c) }
    var hOffset: Int { w2Offset + Self.padded(c * k) }
    var colOffset: Int { hOffset + Self.padded(b * t1 * f1 * c) }
    var zOffset: Int { colOffset + Self.padded(blockRows * k) }
    var workspaceFloats: Int { zOffset + Self.padded(blockRows * c) }
}
