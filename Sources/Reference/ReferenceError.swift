import IR

/// Errors of the reference executor; each names the tensor or node it is about.
public enum ReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingInput(String)
    case unexpectedInput(String, expected: [String])
    case inputType(String, expected: DataType, found: DataType)
    case inputRank(String, expected: Int, found: Int)
    case inputShape(String, expected: Shape, found: [Int])
    case unsupportedOps([(op: String, nodes: [String])])
    case kernel(node: String, reason: String)

    public static func == (a: ReferenceError, b: ReferenceError) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case .missingInput(let n): return "input '\(n)' is missing"
        case .unexpectedInput(let n, let e):
            return "input '\(n)' is not an input of the model (inputs: \(e.joined(separator: ", ")))"
        case .inputType(let n, let e, let f): return "input '\(n)' has dtype \(f), the model expects \(e)"
        case .inputRank(let n, let e, let f): return "input '\(n)' has rank \(f), the model expects rank \(e)"
        case .inputShape(let n, let e, let f):
            return "input '\(n)' has shape \(f), the model expects \(e.bracketed)"
        case .unsupportedOps(let groups):
            return "unsupported ops: " + groups.map { g in
                "\(g.op) (\(g.nodes.prefix(3).joined(separator: ", "))\(g.nodes.count > 3 ? ", +\(g.nodes.count - 3) more" : ""))"
            }.joined(separator: "; ")
        case .kernel(let n, let r): return "node \(n): \(r)"
        }
    }
}

/// What a kernel sees of the node it runs: its attributes, the opset, and its
/// input tensors (nil for omitted optional inputs).
struct NodeContext {
    let node: Node
    let opset: Int
    let inputs: [Tensor?]

    /// A required input; throws naming the node when absent.
    func input(_ i: Int) throws -> Tensor {
        guard i < inputs.count, let t = inputs[i] else { throw fail("required input \(i) is missing") }
        return t
    }

    /// An optional input (nil when omitted or past the end).
    func optionalInput(_ i: Int) -> Tensor? { i < inputs.count ? inputs[i] : nil }

    /// An error naming this node.
    func fail(_ reason: String) -> ReferenceError { .kernel(node: node.label, reason: reason) }
}
