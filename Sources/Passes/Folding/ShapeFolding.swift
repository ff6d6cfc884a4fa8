import IR

/// Shape-subgraph folding, from the contents ``ShapeInference/inferWithValues(_:)``
/// tracks for shape tensors (`Shape → Gather → Unsqueeze → Concat`):
///
/// - a shape tensor whose contents are all static becomes an initializer;
/// - a `Reshape` whose target is symbolic gets a constant target with `0`
///   (copy the input dim) and one `-1` (infer) where that expresses it:
///
///       x[B,T,256] ─▶ Shape ─▶ Gather(0) ─┐
///                                      Concat([B,T,4,64]) ─▶ Reshape(x, ·)
///         ==>  Reshape(x, [0, 0, 4, 64])
///
/// - an `Expand` to a symbolic shape gets a constant target with `1` where the
///   input already has the dim (Expand broadcasts both ways), or disappears when
///   it does not change the shape.
///
/// The chains left without consumers are removed as dead code.
struct ShapeFolding: GraphPass {
    let name = "ShapeFolding"

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        var changed = 0
        for i in editor.liveIndices {
            guard let n = editor.node(i) else { continue }
            if try foldStaticValue(n, slot: i, &editor, context) { changed += 1; continue }
            if n.op == .reshape, try reshape(n, slot: i, &editor, context) { changed += 1; continue }
            if n.op == .expand, expand(n, slot: i, &editor, context) { changed += 1 }
        }
        return changed
    }

    /// A node output whose tracked contents are static becomes an initializer.
    private func foldStaticValue(_ n: Node, slot: Int, _ editor: inout GraphEditor, _ context: PassContext) throws -> Bool {
        guard n.op != nil, n.op != .constant, n.outputs.count == 1, let y = n.outputs.first,
              !editor.isGraphOutput(y), let dims = context.shapeValues[y], let type = context.types[y],
              let shape = type.shape, shape.rank <= 1 else { return false }
        let values = dims.compactMap(\.value)
        guard values.count == dims.count, shape.rank == 1 || values.count == 1 else { return false }
        let sizes = shape.rank == 0 ? [] : [values.count]
        let t: Tensor
        switch type.dataType {
        case .int64: t = Tensor(values.map { Int64($0) }, shape: sizes)
        case .int32: t = Tensor(values.map { Int32(truncatingIfNeeded: $0) }, shape: sizes)
        case .bool: t = Tensor(values.map { $0 != 0 }, shape: sizes)
        default: return false
        }
        editor.remove(slot)
        editor.setInitializer(y, t)
        return true
    }

    private func reshape(_ n: Node, slot: Int, _ editor: inout GraphEditor, _ context: PassContext) throws -> Bool {
        // With `allowzero` a 0 is a literal size; a target without zeros reads the same either way.
        let allowZero = (try n.int("allowzero", default: 0)) != 0
        guard let x = n.input(0), let s = n.input(1), let input = context.shape(x) else { return false }
        let constant = editor.constant(s)?.intValues()
        guard let target = constant.map({ $0.map { Dim.value($0) } }) ?? context.shapeValues[s] else { return false }
        var out: [Int64] = []
        var unknown = 0
        for (k, d) in target.enumerated() {
            if let v = d.value {
                // 0 copies the input dim; a literal -1 is the one inferred dim.
                guard v >= 0 || v == -1, v != 0 || (k < input.rank && !allowZero) else { return false }
                if v == -1 { unknown += 1 }
                out.append(Int64(v))
            } else if k < input.rank, input[k].isProvablyEqual(to: d) {
                out.append(0)
            } else {
                unknown += 1
                out.append(-1)
            }
        }
        guard unknown <= 1 else { return false }
        if let k = out.firstIndex(of: -1), Self.inferredDimCopiesInput(k, out, input) { out[k] = 0 }
        if let constant, constant == out.map({ Int($0) }), !allowZero { return false }
        var node = n
        node.attributes["allowzero"] = nil
        node.inputs[1] = editor.addInitializer(Tensor(out, shape: [out.count]), hint: "\(s)_folded")
        editor.replace([slot], with: [node])
        return true
    }

    /// True when the `-1` at `k` of a Reshape target provably equals input dim
    /// `k`: every target dim before it copies the input's (0, or the same
    /// static size) and the static dims after it multiply to the input's
    /// static dims after `k` — so the element count leaves only `input[k]`.
    ///
    ///     [B, T, 256] ─▶ Reshape[0, -1, 4, 64]   ==>   Reshape[0, 0, 4, 64]
    static func inferredDimCopiesInput(_ k: Int, _ target: [Int64], _ input: Shape) -> Bool {
        guard k < input.rank else { return false }
        for j in 0..<k {
            guard target[j] == 0 || (input[j].value != nil && Int64(input[j].value!) == target[j]) else { return false }
        }
        var after = 1, inputAfter = 1
        for v in target[(k + 1)...] {
            guard v > 0 else { return false }
            after *= Int(v)
        }
        for d in input.dims[(k + 1)...] {
            guard let v = d.value else { return false }
            inputAfter *= v
        }
        return after == inputAfter && after > 0
    }

    private func expand(_ n: Node, slot: Int, _ editor: inout GraphEditor, _ context: PassContext) -> Bool {
        guard let x = n.input(0), let s = n.input(1), editor.constant(s) == nil,
              let target = context.shapeValues[s], let input = context.shape(x),
              let y = n.outputs.first, let output = context.shape(y) else { return false }
        if output.rank == input.rank, zip(output.dims, input.dims).allSatisfy({ $0.isProvablyEqual(to: $1) }),
           !editor.isGraphOutput(y) {
            editor.remove(slot)
            editor.replaceUses(of: y, with: x)
            return true
        }
        var out: [Int64] = []
        let offset = target.count - input.rank
        for (k, d) in target.enumerated() {
            if let v = d.value { out.append(Int64(v)); continue }
            let j = k - offset
            guard j >= 0, input[j].isProvablyEqual(to: d) else { return false }
            out.append(1)
        }
        var node = n
        node.inputs[1] = editor.addInitializer(Tensor(out, shape: [out.count]), hint: "\(s)_folded")
        editor.replace([slot], with: [node])
        return true
    }
}
