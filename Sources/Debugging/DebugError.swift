import IR

/// Errors of the debugging tools (`plugin test`, `compare`); each names the
/// node, tensor, input or plugin it is about, on one line.
public enum DebugError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--nodes` named a node the model does not have.
    case unknownNode(String, suggestions: [String])
    /// `--nodes` was empty or named the same node twice.
    case invalidNodeList(String)
    /// The chosen nodes produce nothing that is used outside them.
    case emptySubgraph(String)
    /// A subgraph input has no known rank, so no shapes can be drawn for it.
    case untypedInput(String)
    /// A profile shape is missing, has the wrong rank, or min ≤ opt ≤ max fails.
    case invalidProfile(input: String, reason: String)
    /// An explicit shape lies outside the profile's range.
    case shapeOutsideRange(input: String, dim: Int, value: Int, min: Int, max: Int)
    /// The surgeon did not put the plugin under test into the subgraph.
    case notFused(plugin: String, opsAfter: [String])
    /// A plugin node input names no value of the subgraph.
    case unknownPluginInput(String, known: [String])
    /// Reference and plugin (or engine) outputs cannot be compared.
    case mismatch(tensor: String, reason: String)

    public var description: String {
        switch self {
        case .unknownNode(let n, let s):
            return "no node named '\(n)' in the model" + (s.isEmpty ? "" : " (similar: \(s.joined(separator: ", ")))")
        case .invalidNodeList(let r): return "--nodes: \(r)"
        case .emptySubgraph(let r): return "the subgraph has no outputs: \(r)"
        case .untypedInput(let n): return "subgraph input '\(n)' has no static shape; give its range with --minShapes/--optShapes/--maxShapes"
        case .invalidProfile(let i, let r): return "profile of input '\(i)': \(r)"
        case .shapeOutsideRange(let i, let d, let v, let lo, let hi):
            return "shape of input '\(i)': dim \(d) is \(v), outside the profile's range \(lo)...\(hi)"
        case .notFused(let p, let ops):
            return "the surgeon did not replace the subgraph with plugin \(p) (ops after fusion: \(ops.joined(separator: ", "))); "
                + "give the plugin node with --attributes instead"
        case .unknownPluginInput(let n, let known):
            return "plugin input '\(n)' is not a subgraph input or initializer (known: \(known.joined(separator: ", ")))"
        case .mismatch(let t, let r): return "tensor '\(t)': \(r)"
        }
    }
}
