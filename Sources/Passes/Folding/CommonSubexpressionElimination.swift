import IR

/// Common-subexpression elimination: two nodes with the same op, domain,
/// inputs and attributes compute the same values, so the second one's
/// consumers read the first one's outputs. Small initializers with equal
/// contents are merged first, so that nodes reading copies of one constant
/// count as equal.
///
///     x ─▶ Shape ─▶ a          x ─▶ Shape ─▶ a ─▶ …
///     x ─▶ Shape ─▶ b   ==>                 └──▶ … (b's consumers)
struct CommonSubexpressionElimination: GraphPass {
    let name = "CommonSubexpressionElimination"
    /// Initializers up to this many elements are compared by content.
    static let smallConstant = 64

    func apply(_ editor: inout GraphEditor, _ context: PassContext) throws -> Int {
        var merged = mergeConstants(&editor)
        var seen: [String: Int] = [:]
        for i in editor.liveIndices {
            guard let n = editor.node(i), let key = Self.key(n) else { continue }
            guard let first = seen[key], let original = editor.node(first) else { seen[key] = i; continue }
            if n.outputs.contains(where: { editor.isGraphOutput($0) }) { continue }
            editor.remove(i)
            for (a, b) in zip(n.outputs, original.outputs) where !a.isEmpty { editor.replaceUses(of: a, with: b) }
            merged += 1
        }
        return merged
    }

    /// Text identifying what a node computes; nil for nodes never merged
    /// (tensor or graph attributes, custom domains).
    static func key(_ n: Node) -> String? {
        guard n.op != nil else { return nil }
        var parts = [n.opType, n.inputs.joined(separator: ","), String(n.outputs.count)]
        for (k, a) in n.attributes.sorted(by: { $0.key < $1.key }) {
            switch a {
            case .int(let v): parts.append("\(k)=i\(v)")
            case .float(let v): parts.append("\(k)=f\(v.bitPattern)")
            case .string(let v): parts.append("\(k)=s\(v)")
            case .ints(let v): parts.append("\(k)=I\(v)")
            case .floats(let v): parts.append("\(k)=F\(v.map(\.bitPattern))")
            case .strings(let v): parts.append("\(k)=S\(v)")
            default: return nil
            }
        }
        return parts.joined(separator: "|")
    }

    /// Merges small initializers with equal type, shape and contents.
    private func mergeConstants(_ editor: inout GraphEditor) -> Int {
        var groups: [String: [String]] = [:]
        let inputs = Set(editor.graph.inputs.map(\.name))
        for (name, t) in editor.graph.initializers where t.count <= Self.smallConstant && !inputs.contains(name) {
            groups["\(t.dataType)\(t.shape)\(t.floatValues() ?? [])", default: []].append(name)
        }
        var merged = 0
        for names in groups.values where names.count > 1 {
            let sorted = names.sorted()
            let keep = sorted[0]
            for other in sorted.dropFirst()
            where editor.constant(other) == editor.constant(keep) && !editor.consumers(of: other).isEmpty
                && !editor.isGraphOutput(other) {
                editor.replaceUses(of: other, with: keep)
                merged += 1
            }
        }
        return merged
    }
}
