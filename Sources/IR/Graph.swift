/// A computation graph: nodes in some order, graph inputs and outputs,
/// initializers (constant tensors) and the opset versions its ops follow.
///
/// `Graph` is a value: passes take one and return another.
public struct Graph: Sendable, Equatable {
    public var name: String
    public var nodes: [Node]
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var initializers: [String: Tensor]
    /// Types known for intermediate values (ONNX `value_info`, or inferred).
    public var valueInfo: [String: ValueInfo]
    /// Operator set version per domain ("" is the default ONNX domain).
    public var opsetImports: [String: Int]

    public init(name: String = "graph", nodes: [Node] = [], inputs: [ValueInfo] = [],
                outputs: [ValueInfo] = [], initializers: [String: Tensor] = [:],
                valueInfo: [String: ValueInfo] = [:], opsetImports: [String: Int] = ["": 17]) {
        self.name = name
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.initializers = initializers
        self.valueInfo = valueInfo
        self.opsetImports = opsetImports
    }

    /// The default-domain opset version (ONNX semantics depend on it).
    public var opset: Int { opsetImports[""] ?? opsetImports["ai.onnx"] ?? 1 }

    /// Graph inputs that are not initializers (ONNX IR < 4 lists initializers as inputs too).
    public var runtimeInputs: [ValueInfo] { inputs.filter { initializers[$0.name] == nil } }

    /// Index of the node producing each value.
    public func producers() -> [String: Int] {
        var map: [String: Int] = [:]
        for (i, n) in nodes.enumerated() {
            for o in n.outputs where !o.isEmpty { map[o] = i }
        }
        return map
    }

    /// Indices of the nodes consuming each value (a node appears once per use).
    public func consumers() -> [String: [Int]] {
        var map: [String: [Int]] = [:]
        for (i, n) in nodes.enumerated() {
            for v in n.inputs where !v.isEmpty { map[v, default: []].append(i) }
        }
        return map
    }

    /// The type of a value when known: initializer, graph input/output or value_info.
    public func type(of name: String) -> ValueType? {
        if let t = initializers[name] { return ValueType(t.dataType, Shape(t.shape)) }
        if let v = inputs.first(where: { $0.name == name }), let t = v.type { return t }
        if let t = valueInfo[name]?.type { return t }
        if let v = outputs.first(where: { $0.name == name }), let t = v.type { return t }
        return nil
    }

    /// Op-type histogram, most frequent first (ties by name).
    public func opHistogram() -> [(op: String, count: Int)] {
        var counts: [String: Int] = [:]
        for n in nodes {
            let key = n.domain.isEmpty ? n.opType : "\(n.domain)::\(n.opType)"
            counts[key, default: 0] += 1
        }
        return counts.map { ($0.key, $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.op < $1.op }
    }
}

/// A model file's contents: the graph plus where it came from.
public struct Model: Sendable, Equatable {
    public var graph: Graph
    public var irVersion: Int
    public var producerName: String
    public var producerVersion: String
    public var domain: String
    public var modelVersion: Int
    public var docString: String
    public var metadata: [String: String]

    public init(graph: Graph, irVersion: Int = 8, producerName: String = "", producerVersion: String = "",
                domain: String = "", modelVersion: Int = 0, docString: String = "",
                metadata: [String: String] = [:]) {
        self.graph = graph
        self.irVersion = irVersion
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.domain = domain
        self.modelVersion = modelVersion
        self.docString = docString
        self.metadata = metadata
    }
}
