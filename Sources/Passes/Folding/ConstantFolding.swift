import IR
import Reference

/// Constant folding: a standard-op node whose inputs are all initializers is
/// run once by the reference executor and its outputs become initializers.
///
///     init ──▶ Transpose ──▶ MatMul        (Transpose folded)
///       ==>    init' ──────▶ MatMul
///
/// `Constant` nodes become initializers the same way. Results larger than
/// ``SurgeonOptions/constantFoldLimit`` elements stay computed at run time.
struct ConstantFolding: GraphPass {
    let name = "ConstantFolding"

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        var folded = 0
        for i in editor.liveIndices {
            guard let n = editor.node(i), let op = n.op else { continue }
            let inputs = n.inputs.filter { !$0.isEmpty }
            guard inputs.allSatisfy({ editor.constant($0) != nil }) else { continue }
            guard n.outputs.allSatisfy({ !$0.isEmpty && !editor.isGraphOutput($0) }) else { continue }
            if let known = n.outputs.compactMap({ context.types[$0]?.shape?.staticSizes }).first,
               Shapes.count(known) > context.options.constantFoldLimit { continue }
            // An op whose output is much larger than its inputs (Expand, Tile,
            // ConstantOfShape) is still folded when within the limit.
            guard let outputs = try? evaluate(n, op: op, editor: editor, opset: context.opset),
                  outputs.count == n.outputs.count,
                  outputs.allSatisfy({ $0.count <= context.options.constantFoldLimit }) else { continue }
            editor.remove(i)
            for (name, t) in zip(n.outputs, outputs) { editor.setInitializer(name, t) }
            folded += 1
        }
        return folded
    }

    /// Runs one node on its constant inputs with the reference executor.
    private func evaluate(_ n: Node, op: Op, editor: GraphEditor, opset: Int) throws -> [Tensor] {
        var inits: [String: Tensor] = [:]
        for v in n.inputs where !v.isEmpty { inits[v] = editor.constant(v) }
        let g = Graph(name: "fold", nodes: [n], inputs: [], outputs: n.outputs.map { ValueInfo(name: $0, type: nil) },
                      initializers: inits, opsetImports: editor.graph.opsetImports)
        let values = try ReferenceExecutor(graph: g).run([:])
        return try n.outputs.map { name in
            guard let t = values[name] else { throw SurgeonError.invalidResult(pass: self.name, reason: "\(n.label) gave no '\(name)'") }
            return t
        }
    }
}

/// Removes nodes that do nothing at inference time: `Identity`, `Dropout`
/// (not in training mode) and a `Cast` to the type its input already has.
///
///     x ──▶ Identity ──▶ y ──▶ C   ==>   x ──▶ C
struct IdentityElimination: GraphPass {
    let name = "IdentityElimination"

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        var removed = 0
        for i in editor.liveIndices {
            guard let n = editor.node(i), let x = n.input(0), let y = n.outputs.first, !y.isEmpty,
                  !editor.isGraphOutput(y), try isNoOp(n, input: x, context) else { continue }
            if n.outputs.dropFirst().contains(where: { !$0.isEmpty && !editor.consumers(of: $0).isEmpty }) { continue }
            editor.remove(i)
            editor.replaceUses(of: y, with: x)
            removed += 1
        }
        return removed
    }

    private func isNoOp(_ n: Node, input: String, _ context: PassContext) throws -> Bool {
        switch n.op {
        case .identity: return true
        case .dropout:
            // training_mode (input 2) absent, or a constant false.
            return n.input(2) == nil
        case .cast:
            guard let to = try n.int("to"), let t = context.types[input] else { return false }
            return t.dataType.rawValue == to
        default: return false
        }
    }
}
