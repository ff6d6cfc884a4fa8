import IR
import Plugins

/// Bool legalization of the padding mask: WeNet's `make_pad_mask` chain
/// becomes one `com.workbench::LengthMask` with a float 0/1 output, and every
/// use of the mask downstream reads floats:
///
///     lengths ─▶ Unsqueeze ─▶ GreaterOrEqual(Expand(Range(0, T, 1))) ─▶ [Unsqueeze] ─▶ Not ─▶ m (bool [B,T])
///       ==>   lengths, x ─▶ LengthMask(axis of T in x) ─▶ m (float [B,T])
///
///     m ─▶ Unsqueeze | Squeeze | Slice | Reshape | Expand | Transpose ─▶ ...   (unchanged, now float)
///     Not(m) ─▶ Where(·, 0, y)              ==>   Mul(y, m)
///     m ─▶ Cast(numeric) | RelPosAttention   (unchanged: they read 0/1 floats the same)
///
/// `Less(range, lengths)` is the same mask. Checks: the range is `Range(0, T, 1)`
/// broadcast by shape-only ops to [1 or B, T]; the lengths reach [B, 1] from a
/// [B] int32/int64 value through Unsqueeze/Reshape and integer Casts; a value
/// with dim T exists among the graph inputs; every use of the mask is one of
/// the above (otherwise nothing changes: no bool is left half-converted).
struct MaskLegalization: GraphPass {
    let name = "LengthMask"

    static let forms: [Pattern] = [
        .op("Not", .op("GreaterOrEqual", .any("range"), .any("lengths"), as: "cmp")),
        .op("Not", .op("Unsqueeze", .op("GreaterOrEqual", .any("range"), .any("lengths"), as: "cmp"), as: "unsqueeze")),
        .op("Less", .any("range"), .any("lengths"), as: "cmp"),
    ]
    static let transparent: Set<String> = ["Unsqueeze", "Squeeze", "Slice", "Reshape", "Expand", "Transpose", "Identity"]

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        guard context.has(LengthMaskPlugin.name) else { return 0 }
        var count = 0
        for form in Self.forms {
            count += try editor.rewriteAll(form) { e, m in try rewrite(&e, m, context) }
        }
        return count
    }

    private func rewrite(_ e: inout GraphEditor, _ m: Match, _ context: PassContext) throws -> [Node]? {
        guard let root = e.node(m.matched[0]), let mask = root.outputs.first, !e.isGraphOutput(mask),
              let out = context.shape(m["cmp"]), out.rank == 2,
              let t = rangeLength(e, m["range"], context), out[1].isProvablyEqual(to: t),
              let lengths = lengthsSource(e, m["lengths"], context), context.shape(lengths)?[0].isProvablyEqual(to: out[0]) == true,
              let (like, axis) = valueWithDim(t, e, context),
              let plan = try uses(of: mask, e, context) else { return nil }
        for (slot, node) in plan.rewrites { e.replace([slot], with: [node]) }
        for v in plan.retyped + [mask] { e.forgetType(of: v) }
        guard let slot = m.nodes["unsqueeze"], var unsqueeze = e.node(slot) else {
            return [e.pluginNode(LengthMaskPlugin.name, m, inputs: [lengths, like], outputs: [mask], attributes: ["axis": .int(axis)])]
        }
        // The mask is unsqueezed before the Not: LengthMask, then the same Unsqueeze.
        let flat = e.uniqueName("\(mask)_length_mask")
        unsqueeze.inputs[0] = flat
        unsqueeze.outputs = [mask]
        return [e.pluginNode(LengthMaskPlugin.name, m, inputs: [lengths, like], outputs: [flat], attributes: ["axis": .int(axis)]),
                unsqueeze]
    }

    /// T when `value` is `Range(0, T, 1)` reached through shape-only broadcasts, shaped [T], [1, T] or [B, T].
    private func rangeLength(_ e: GraphEditor, _ value: String, _ context: PassContext) -> Dim? {
        var v = value
        while let n = e.producer(of: v).flatMap({ e.node($0) }), ["Unsqueeze", "Expand", "Reshape"].contains(n.opType) {
            v = n.inputs[0]
        }
        guard let range = e.producer(of: v).flatMap({ e.node($0) }), range.op == .range, range.inputs.count == 3,
              e.scalar(range.inputs[0]) == 0, e.scalar(range.inputs[2]) == 1,
              let t = context.shape(v)?.dims.first, context.shape(v)?.rank == 1,
              let rs = context.shape(value), rs.rank <= 2, rs.dims.last?.isProvablyEqual(to: t) == true else { return nil }
        return t
    }

    /// The [B] int32/int64 lengths under `value` ([B, 1]) through Unsqueeze/Reshape and integer Casts.
    private func lengthsSource(_ e: GraphEditor, _ value: String, _ context: PassContext) -> String? {
        guard let s = context.shape(value), s.rank == 2, s[1].value == 1 else { return nil }
        var v = value
        while let n = e.producer(of: v).flatMap({ e.node($0) }), ["Unsqueeze", "Reshape", "Cast"].contains(n.opType) {
            guard n.opType != "Cast" || [.int32, .int64].contains(context.types[n.inputs[0]]?.dataType) else { return nil }
            v = n.inputs[0]
            if context.shape(v)?.rank == 1 { break }
        }
        guard context.shape(v)?.rank == 1, [.int32, .int64].contains(context.types[v]?.dataType) else { return nil }
        return v
    }

    /// A graph input with dim `t`, and the axis.
    private func valueWithDim(_ t: Dim, _ e: GraphEditor, _ context: PassContext) -> (String, Int)? {
        for i in e.graph.runtimeInputs {
            if let s = context.shape(i.name), let axis = s.dims.firstIndex(where: { $0.isProvablyEqual(to: t) }) {
                return (i.name, axis)
            }
        }
        return nil
    }

    /// How every use of the mask reads floats instead: node rewrites and the values whose type changes; nil when a use cannot.
    private func uses(of mask: String, _ e: GraphEditor, _ context: PassContext) throws -> (rewrites: [(Int, Node)], retyped: [String])? {
        var rewrites: [(Int, Node)] = [], retyped: [String] = [], queue = [mask]
        while let v = queue.popLast() {
            guard !e.isGraphOutput(v) else { return nil }
            for slot in Set(e.consumers(of: v)) {
                guard let n = e.node(slot) else { return nil }
                if n.domain == workbenchDomain, n.opType == RelPosAttentionPlugin.name, n.inputs.firstIndex(of: v) == 9 { continue }
                if n.domain.isEmpty, Self.transparent.contains(n.opType), n.inputs.firstIndex(of: v) == 0, n.outputs.count == 1 {
                    retyped.append(n.outputs[0])
                    queue.append(n.outputs[0])
                    continue
                }
                if n.op == .cast, let to = try n.int("to"), to != DataType.bool.rawValue { continue }
                guard n.op == .not, let notOut = n.outputs.first, !e.isGraphOutput(notOut) else { return nil }
                for w in Set(e.consumers(of: notOut)) {
                    guard let wn = e.node(w), wn.op == .where, wn.inputs.count == 3, wn.inputs[0] == notOut, wn.inputs[1] != notOut,
                          wn.inputs[2] != notOut, e.scalar(wn.inputs[1]) == 0, context.isFloat(wn.inputs[2]) else { return nil }
                    rewrites.append((w, Node(name: wn.name, opType: "Mul", inputs: [wn.inputs[2], v], outputs: wn.outputs)))
                }
            }
        }
        return (rewrites, retyped)
    }
}
