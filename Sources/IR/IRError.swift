/// Errors about graphs, nodes and tensors. Each case names what it is about,
/// so a command line can print it as one line.
public enum IRError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidTensor(name: String, reason: String)
    case attributeKind(node: String, attribute: String, expected: String, found: String)
    case missingAttribute(node: String, attribute: String)
    case invalidAttribute(node: String, attribute: String, reason: String)
    case danglingInput(node: String, input: String)
    case duplicateName(String)
    case cycle(nodes: [String])
    case missingOutput(String)
    case shapeInference(node: String, reason: String)
    case unsupportedOp(op: String, nodes: [String])

    public var description: String {
        switch self {
        case .invalidTensor(let n, let r): return "tensor '\(n)': \(r)"
        case .attributeKind(let n, let a, let e, let f):
            return "node \(n): attribute '\(a)' should be \(e) but is \(f)"
        case .missingAttribute(let n, let a): return "node \(n): required attribute '\(a)' is missing"
        case .invalidAttribute(let n, let a, let r): return "node \(n): attribute '\(a)': \(r)"
        case .danglingInput(let n, let i):
            return "node \(n): input '\(i)' is not a graph input, initializer or any node's output"
        case .duplicateName(let n): return "value '\(n)' is produced more than once"
        case .cycle(let nodes): return "graph has a cycle through \(nodes.prefix(5).joined(separator: ", "))"
        case .missingOutput(let n): return "graph output '\(n)' is not produced by any node, input or initializer"
        case .shapeInference(let n, let r): return "node \(n): shape inference: \(r)"
        case .unsupportedOp(let op, let nodes):
            return "unsupported op '\(op)' (nodes: \(nodes.prefix(5).joined(separator: ", "))\(nodes.count > 5 ? ", ..." : ""))"
        }
    }
}
