import IR

/// The text form of a ``ModelSummary``.
enum InspectReport {
    static func text(_ s: ModelSummary) -> String {
        var lines: [String] = []
        lines.append("Model: \(s.file) (\(Console.bytes(s.fileSize)))")
        lines.append("  IR version: \(s.irVersion) | Producer: \(s.producer.isEmpty ? "-" : s.producer)"
                     + " | Graph: \(s.graphName)")
        lines.append("  Opsets: " + s.opsets.map { "\($0.domain) \($0.version)" }.joined(separator: ", "))
        lines.append("")
        lines.append("Inputs (\(s.inputs.count)):")
        lines += s.inputs.map { "  " + $0.text }
        lines.append("Outputs (\(s.outputs.count)):")
        lines += s.outputs.map { "  " + $0.text }
        lines.append("")
        lines.append("Ops (\(s.nodeCount) nodes, \(s.ops.count) types):")
        let width = s.ops.map(\.op.count).max() ?? 0
        lines += s.ops.map { "  " + $0.op.padding(width) + "  " + String($0.count) }
        lines.append("")
        lines.append("Parameters: \(Console.grouped(s.parameters)) (\(Console.bytes(s.parameterBytes))) in "
                     + "\(s.initializerCount) initializers and \(s.constantCount) Constant values")
        if s.unsupportedOps.isEmpty {
            lines.append("Unsupported ops: none")
        } else {
            let count = s.unsupportedOps.reduce(0) { $0 + $1.nodes.count }
            lines.append("Unsupported ops (\(count) nodes):")
            lines += s.unsupportedOps.map { "  \($0.op) (\($0.nodes.count)): \($0.nodes.joined(separator: ", "))" }
        }
        if s.problems.isEmpty {
            lines.append("Graph problems: none")
        } else {
            lines.append("Graph problems (\(s.problems.count)):")
            lines += s.problems.map { "  " + $0 }
        }
        if let nodes = s.nodes {
            lines.append("")
            lines.append("Nodes (\(nodes.count)):")
            for (i, n) in nodes.enumerated() {
                lines.append("  [\(i)] \(n.name.isEmpty ? "<unnamed>" : n.name) (\(n.op))")
                lines.append("      in:  " + n.inputs.map(\.text).joined(separator: ", "))
                lines.append("      out: " + n.outputs.map(\.text).joined(separator: ", "))
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// Pads with spaces on the right to `width` characters.
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
