import IR

/// The plain op-by-op executor: the living definition of every op and the
/// oracle every fused kernel, pass and engine is tested against.
///
/// It runs the graph's nodes in topological order on ``Tensor`` values,
/// releasing each intermediate after its last use.
public final class ReferenceExecutor {
    /// Runs one node that is not a standard op (a plugin node): its input
    /// tensors (nil for omitted optional inputs) to its outputs.
    public typealias CustomKernel = (_ node: Node, _ inputs: [Tensor?]) throws -> [Tensor]

    public let graph: Graph
    /// Kernels for the graph's non-standard nodes, by node index.
    private let custom: [Int: CustomKernel]
    private let order: [Int]
    /// For each node position in `order`, the values whose last use is that node.
    private let releaseAfter: [[String]]

    /// Prepares `graph` for execution: validates it, orders it and checks that
    /// every op is supported (all unsupported ops are reported at once).
    ///
    /// - Parameter customKernels: resolves a kernel for a node that is not a
    ///   standard op (for example a fused plugin node); nil means unsupported.
    public init(graph: Graph, customKernels: (Node) -> CustomKernel? = { _ in nil }) throws {
        try graph.validate()
        var custom: [Int: CustomKernel] = [:]
        for (i, n) in graph.nodes.enumerated() where n.op == nil {
            if let k = customKernels(n) { custom[i] = k }
        }
        var unsupported: [String: [String]] = [:]
        for (i, n) in graph.nodes.enumerated() where n.op == nil && custom[i] == nil {
            unsupported[n.domain.isEmpty ? n.opType : "\(n.domain)::\(n.opType)", default: []].append(n.name)
        }
        if !unsupported.isEmpty {
            throw ReferenceError.unsupportedOps(unsupported.map { ($0.key, $0.value) }.sorted { $0.op < $1.op })
        }
        self.custom = custom
        self.graph = graph
        self.order = try graph.topologicalOrder()
        var lastUse: [String: Int] = [:]
        for (pos, i) in order.enumerated() {
            for v in graph.nodes[i].inputs where !v.isEmpty { lastUse[v] = pos }
        }
        let keep = Set(graph.outputs.map(\.name))
        var release = [[String]](repeating: [], count: order.count)
        for (v, pos) in lastUse where !keep.contains(v) && graph.initializers[v] == nil {
            release[pos].append(v)
        }
        self.releaseAfter = release
    }

    /// Checks feeds against the graph inputs: every input present, no extra
    /// names, dtype and rank as declared, static dims equal.
    public func checkFeeds(_ feeds: [String: Tensor]) throws {
        let inputs = graph.runtimeInputs
        let names = inputs.map(\.name)
        for name in feeds.keys.sorted() where !names.contains(name) && graph.initializers[name] == nil {
            throw ReferenceError.unexpectedInput(name, expected: names)
        }
        for info in inputs {
            guard let t = feeds[info.name] else { throw ReferenceError.missingInput(info.name) }
            guard let type = info.type else { continue }
            if t.dataType != type.dataType {
                throw ReferenceError.inputType(info.name, expected: type.dataType, found: t.dataType)
            }
            guard let shape = type.shape else { continue }
            if t.rank != shape.rank {
                throw ReferenceError.inputRank(info.name, expected: shape.rank, found: t.rank)
            }
            for (d, size) in zip(shape.dims, t.shape) {
                if let v = d.value, v != size {
                    throw ReferenceError.inputShape(info.name, expected: shape, found: t.shape)
                }
            }
        }
    }

    /// Runs the graph and returns its outputs by name.
    ///
    /// - Parameter keep: names of intermediate values to return as well
    ///   (for layer-by-layer comparison); graph outputs are always returned.
    public func run(_ feeds: [String: Tensor], keep: Set<String> = []) throws -> [String: Tensor] {
        try checkFeeds(feeds)
        var values: [String: Tensor] = graph.initializers
        for (k, v) in feeds { values[k] = v }
        let opset = graph.opset
        var kept: [String: Tensor] = [:]
        for (pos, i) in order.enumerated() {
            let node = graph.nodes[i]
            let inputs: [Tensor?] = node.inputs.map { $0.isEmpty ? nil : values[$0] }
            for (k, name) in node.inputs.enumerated() where !name.isEmpty && inputs[k] == nil {
                throw ReferenceError.kernel(node: node.label, reason: "input '\(name)' has no value")
            }
            let outputs: [Tensor]
            do {
                if let op = node.op {
                    outputs = try Dispatch.run(op, NodeContext(node: node, opset: opset, inputs: inputs))
                } else {
                    outputs = try custom[i]!(node, inputs)
                }
            } catch let e as ReferenceError {
                throw e
            } catch {
                throw ReferenceError.kernel(node: node.label, reason: "\(error)")
            }
            for (k, name) in node.outputs.enumerated() where !name.isEmpty && k < outputs.count {
                values[name] = outputs[k]
                if keep.contains(name) { kept[name] = outputs[k] }
            }
            for v in releaseAfter[pos] { values[v] = nil }
        }
        for o in graph.outputs {
            guard let t = values[o.name] else { throw ReferenceError.missingInput(o.name) }
            kept[o.name] = t
        }
        return kept
    }
}
