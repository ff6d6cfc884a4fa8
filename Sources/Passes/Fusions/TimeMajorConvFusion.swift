import IR
import Plugins

/// The conformer convolution module in time-major layout: the chain between
/// a `Transpose(0, 2, 1)` into channels-first and the `Transpose(0, 2, 1)` back
/// is rewritten to work on `[B, T, C]` directly, so both Transposes go and the
/// pointwise (k = 1) Convs become Linear GEMMs over B·T rows:
///
///     x[B,T,C] ─▶ Transpose ─▶ Mul(m[B,1,T]) ─▶ Conv(k=1, C→2C) ─▶ GLU(axis 1) ─▶ DepthwiseConv1d ─▶ Conv(k=1) ─▶ Mul(m) ─▶ Transpose ─▶ y
///       ==>   x ─▶ Mul(mᵀ[B,T,1]) ─▶ Linear(Wᵀ) ─▶ GLU(axis 2) ─▶ DepthwiseConv1d(BTC) ─▶ Linear(W₂ᵀ) ─▶ Mul(mᵀ) ─▶ y
///
/// Links of the chain, each with a single consumer (the next link): a Conv
/// with W a constant `[N, C, 1]`, group 1, stride 1, dilation 1, no pads
/// (→ Linear, W transposed to `[C, N]`); GLU over axis 1 (→ axis 2); a
/// channels-first DepthwiseConv1d (→ layout BTC); Mul by a scalar constant
/// (unchanged) or by a rank-3 `[B|1, 1, T|1]` operand that broadcasts only over
/// channels (→ Mul by its transpose, one Transpose per operand, shared); Swish,
/// Relu, Sigmoid (unchanged). The padding mask's `masked_fill` (a Mul by the
/// float mask after legalization) stays where it was, so padded frames see
/// exactly the values they saw before.
///
/// A second step folds a last-axis GLU into the time-major DepthwiseConv1d
/// after it (`glu = 1`), when the GLU's output has no other consumer.
struct TimeMajorConvFusion: GraphPass {
    let name = "TimeMajorConv"

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(LinearPlugin.name), context.has(DepthwiseConv1dPlugin.name) else { return 0 }
        var count = 0
        for i in editor.liveIndices {
            guard let n = editor.node(i), n.opType == "Transpose", n.domain.isEmpty, try isSwap(n, context),
                  let chain = try chain(ending: i, editor, context) else { continue }
            try rewrite(chain, output: n.outputs[0], &editor, context)
            count += 1
        }
        count += try foldGLU(&editor, context)
        return count
    }

    /// True for a `Transpose(perm 0, 2, 1)` of a rank-3 float value.
    private func isSwap(_ n: Node, _ context: PassContext) throws -> Bool {
        guard let x = n.input(0), context.isFloat(x), context.shape(x)?.rank == 3 else { return false }
        return try n.ints("perm") == [0, 2, 1]
    }

    /// The chain's slots from the first link to the closing Transpose (`end`), with the opening Transpose first.
    private func chain(ending end: Int, _ e: GraphEditor, _ context: PassContext) throws -> [Int]? {
        var links: [Int] = []
        guard var value = e.node(end)?.input(0) else { return nil }
        while let slot = e.producer(of: value), let n = e.node(slot), e.consumers(of: value).count == 1, !e.isGraphOutput(value) {
            if n.opType == "Transpose", n.domain.isEmpty {
                guard try isSwap(n, context), !links.isEmpty, e.consumers(of: n.outputs[0]).count == 1 else { return nil }
                return [slot] + Array(links.reversed()) + [end]
            }
            guard let next = try chainInput(n, value, e, context) else { return nil }
            links.append(slot)
            value = next
        }
        return nil
    }

    /// The input the link `n` reads the chain from, when `n` has a time-major equivalent.
    private func chainInput(_ n: Node, _ out: String, _ e: GraphEditor, _ context: PassContext) throws -> String? {
        guard n.outputs.count == 1 else { return nil }
        if n.domain.isEmpty, n.opType == "Mul" { return try mulChainInput(n, out, e, context) }
        guard let x = n.input(0), let xs = context.shape(x), xs.rank == 3 else { return nil }
        switch (n.domain, n.opType) {
        case ("", "Conv"): return try pointwiseWeight(n, channels: xs[1].value, e) != nil ? x : nil
        case (workbenchDomain, GLUPlugin.name):
            let axis = try n.int("axis", default: -1) ?? -1
            return axis == 1 || axis == -2 ? x : nil
        case (workbenchDomain, DepthwiseConv1dPlugin.name):
            return try n.string("layout", default: "BCT") == "BCT" ? x : nil
        case (workbenchDomain, SwishPlugin.name), ("", "Relu"), ("", "Sigmoid"): return x
        default: return nil
        }
    }

    /// For `Mul(a, b)`: the chain operand when the other is a scalar constant or broadcasts over channels only.
    private func mulChainInput(_ n: Node, _ out: String, _ e: GraphEditor, _ context: PassContext) throws -> String? {
        guard n.inputs.count == 2, let ys = context.shape(out), ys.rank == 3 else { return nil }
        for (x, m) in [(n.inputs[0], n.inputs[1]), (n.inputs[1], n.inputs[0])] {
            guard let xs = context.shape(x), xs.rank == 3, zip(xs.dims, ys.dims).allSatisfy({ $0.isProvablyEqual(to: $1) }),
                  context.isFloat(m) else { continue }
            if e.constant(m)?.count == 1 { return x }
            guard let ms = context.shape(m), ms.rank == 3, ms[1].value == 1 else { continue }
            let batch = ms[0].value == 1 || ms[0].isProvablyEqual(to: ys[0])
            let time = ms[2].value == 1 || ms[2].isProvablyEqual(to: ys[2])
            if batch && time { return x }
        }
        return nil
    }

    /// W of a pointwise Conv (`[N, C, 1]`, group 1, stride 1, dilation 1, no pads) when `n` is one.
    private func pointwiseWeight(_ n: Node, channels: Int?, _ e: GraphEditor) throws -> Tensor? {
        guard n.inputs.count >= 2, let w = e.constant(n.inputs[1]), w.dataType == .float32, w.rank == 3,
              w.shape[2] == 1, let channels, w.shape[1] == channels,
              try n.int("group", default: 1) == 1, try n.ints("strides", default: [1]) == [1],
              try n.ints("dilations", default: [1]) == [1], try n.ints("pads", default: [0, 0]) == [0, 0],
              try n.string("auto_pad", default: "NOTSET") == "NOTSET",
              try n.ints("kernel_shape", default: [1]) == [1] else { return nil }
        if let b = n.input(2) { guard e.isLastAxisVector(b, length: w.shape[0]) else { return nil } }
        return w
    }

    /// Replaces the chain (opening Transpose, links, closing Transpose) by the links' time-major forms.
    private func rewrite(_ chain: [Int], output: String, _ e: inout GraphEditor, _ context: PassContext) throws {
        guard let open = e.node(chain[0]) else { return }
        var (old, value) = (open.outputs[0], open.inputs[0])
        var nodes: [Node] = []
        let links = Array(chain.dropFirst().dropLast())
        for (k, slot) in links.enumerated() {
            guard var n = e.node(slot) else { return }
            let out = k == links.count - 1 ? output : e.uniqueName("\(n.outputs[0])_btc")
            switch n.opType {
            case "Conv": n = try linear(n, input: value, e: &e)
            case "Mul": n.inputs = try n.inputs.map { $0 == old ? value : try timeMajor(mask: $0, &e, &nodes) }
            case GLUPlugin.name: n.inputs[0] = value; n.attributes["axis"] = .int(2)
            case DepthwiseConv1dPlugin.name:
                n.inputs[0] = value
                n.attributes["layout"] = .string("BTC")
                n.attributes["glu"] = .int(0)
            default: n.inputs[0] = value
            }
            (old, value) = (n.outputs[0], out)
            n.outputs = [out]
            nodes.append(n)
        }
        e.replace(chain, with: nodes)
    }

    /// The Linear equivalent of a pointwise Conv reading `input` time-major.
    private func linear(_ conv: Node, input: String, e: inout GraphEditor) throws -> Node {
        guard let w = try pointwiseWeight(conv, channels: e.constant(conv.inputs[1])?.shape[1], e), let wv = w.floats else {
            throw SurgeonError.invalidResult(pass: name, reason: "Conv \(conv.name) lost its pointwise weight")
        }
        let (n, c) = (w.shape[0], w.shape[1])
        var t = [Float](repeating: 0, count: n * c)
        for o in 0..<n { for i in 0..<c { t[i * n + o] = wv[o * c + i] } }
        var inputs = [input, e.addInitializer(Tensor(t, shape: [c, n]), hint: "\(conv.inputs[1])_linear")]
        if let b = conv.input(2) { inputs.append(e.vector(b)) }
        return Node(name: "\(conv.name)_Linear", opType: LinearPlugin.name, domain: workbenchDomain, inputs: inputs,
                    outputs: conv.outputs, attributes: ["activation": .string("none"), "alpha": .float(1)])
    }

    /// `m` ([B|1, 1, T|1]) as [B|1, T|1, 1]: a scalar as is, a constant reshaped, anything
    /// else through a `Transpose(0, 2, 1)` (an existing one when `m` already has it).
    private func timeMajor(mask m: String, _ e: inout GraphEditor, _ nodes: inout [Node]) throws -> String {
        if let t = e.constant(m) {
            return t.count == 1 ? m : e.addInitializer(t.reshaped([t.shape[0], t.shape[2], 1]), hint: "\(m)_btc")
        }
        let isSwap: (Node) -> Bool = { n in n.opType == "Transpose" && n.domain.isEmpty && (try? n.ints("perm")) == [0, 2, 1] }
        if let existing = nodes.first(where: { $0.inputs == [m] && isSwap($0) }) { return existing.outputs[0] }
        for slot in e.consumers(of: m) { if let n = e.node(slot), isSwap(n) { return n.outputs[0] } }
        let out = e.uniqueName("\(m)_btc")
        nodes.insert(Node(name: e.uniqueName("\(m)_Transpose"), opType: "Transpose", inputs: [m], outputs: [out],
                          attributes: ["perm": .ints([0, 2, 1])]), at: 0)
        return out
    }

    /// Folds a last-axis GLU into the time-major DepthwiseConv1d that alone reads it.
    private func foldGLU(_ e: inout GraphEditor, _ context: PassContext) throws -> Int {
        let pattern = Pattern.plugin(DepthwiseConv1dPlugin.name, .plugin(GLUPlugin.name, .any("x"), as: "glu"), as: "dw")
        return try e.rewriteAll(pattern) { e, m in
            guard var dw = e.node(m.nodes["dw"]!), let glu = e.node(m.nodes["glu"]!),
                  try dw.string("layout", default: "BCT") == "BTC", try dw.int("glu", default: 0) == 0,
                  let axis = try glu.int("axis", default: -1), axis == 2 || axis == -1 else { return nil }
            if let rank = context.shape(m["x"])?.rank, rank != 3 { return nil }
            dw.inputs[0] = m["x"]
            dw.attributes["glu"] = .int(1)
            return [dw]
        }
    }
}
