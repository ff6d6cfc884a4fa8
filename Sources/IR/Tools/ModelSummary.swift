/// What `workbench inspect` reports about a model, like `polygraphy inspect
/// model`: provenance, opsets, inputs and outputs with symbolic shapes, the op
/// histogram, parameter count, unsupported ops and structural problems.
///
/// `Encodable`, so a command line can print it as one JSON object.
public struct ModelSummary: Sendable, Encodable {
    /// A graph input, output or node output with its type, when known.
    public struct Value: Sendable, Equatable, Encodable {
        public var name: String
        public var dtype: String?
        /// Dims as sizes or symbol names; nil when the rank is unknown.
        public var shape: [DimValue]?

        public init(name: String, type: ValueType?) {
            self.name = name
            dtype = type?.dataType.name
            shape = type?.shape?.dims.map(DimValue.init)
        }

        /// `speech: float32 [B, T, 80]`.
        public var text: String {
            let dims = shape.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" } ?? "[?]"
            return "\(name): \(dtype ?? "?") \(dims)"
        }
    }

    /// A dim as JSON: a number when static, a string when symbolic.
    public struct DimValue: Sendable, Equatable, Encodable, CustomStringConvertible {
        public var dim: Dim
        public init(_ dim: Dim) { self.dim = dim }
        public var description: String { dim.description }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch dim {
            case .value(let v): try c.encode(v)
            case .symbol(let s): try c.encode(s)
            }
        }
    }

    public struct OpCount: Sendable, Equatable, Encodable {
        public var op: String
        public var count: Int
    }

    public struct UnsupportedOp: Sendable, Equatable, Encodable {
        public var op: String
        public var nodes: [String]
    }

    public struct NodeEntry: Sendable, Equatable, Encodable {
        public var name: String
        public var op: String
        public var inputs: [Value]
        public var outputs: [Value]
    }

    public struct Opset: Sendable, Equatable, Encodable {
        public var domain: String
        public var version: Int
    }

    public var file: String
    public var fileSize: Int
    public var irVersion: Int
    public var producer: String
    public var graphName: String
    public var opsets: [Opset]
    public var inputs: [Value]
    public var outputs: [Value]
    public var nodeCount: Int
    public var ops: [OpCount]
    public var parameters: Int
    public var parameterBytes: Int
    public var initializerCount: Int
    public var constantCount: Int
    public var unsupportedOps: [UnsupportedOp]
    public var problems: [String]
    /// Every node with its input and output types (when asked for).
    public var nodes: [NodeEntry]?

    /// Summarizes `model`.
    ///
    /// - Parameters:
    ///   - typedGraph: the graph after shape inference, whose `valueInfo` types
    ///     the node list shows; nil to show only declared types.
    ///   - includeNodes: whether to list every node.
    public init(model: Model, file: String, fileSize: Int, typedGraph: Graph? = nil, includeNodes: Bool = false) {
        let g = model.graph
        self.file = file
        self.fileSize = fileSize
        irVersion = model.irVersion
        producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        graphName = g.name
        opsets = g.opsetImports.sorted { $0.key < $1.key }
            .map { Opset(domain: $0.key.isEmpty ? "ai.onnx" : $0.key, version: $0.value) }
        inputs = g.runtimeInputs.map { Value(name: $0.name, type: $0.type) }
        outputs = g.outputs.map { Value(name: $0.name, type: typedGraph?.type(of: $0.name) ?? $0.type) }
        nodeCount = g.nodes.count
        ops = g.opHistogram().map { OpCount(op: $0.op, count: $0.count) }
        let p = g.parameterCount()
        (parameters, parameterBytes, initializerCount, constantCount) = (p.elements, p.bytes, p.initializers, p.constants)
        unsupportedOps = g.unsupportedOps().map { UnsupportedOp(op: $0.op, nodes: $0.nodes) }
        problems = g.validationProblems()
        if includeNodes {
            let types = typedGraph ?? g
            nodes = g.nodes.map { n in
                NodeEntry(name: n.name, op: n.domain.isEmpty ? n.opType : "\(n.domain)::\(n.opType)",
                          inputs: n.inputs.filter { !$0.isEmpty }.map { Value(name: $0, type: types.type(of: $0)) },
                          outputs: n.outputs.filter { !$0.isEmpty }.map { Value(name: $0, type: types.type(of: $0)) })
            }
        }
    }
}
