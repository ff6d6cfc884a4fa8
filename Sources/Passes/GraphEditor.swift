import IR

/// The only way passes change a graph.
///
/// The editor holds the graph's nodes by stable index with producer and
/// consumer maps kept up to date. A rewrite removes a matched set of nodes and
/// adds the nodes that replace them; the new nodes reuse the value names of the
/// subgraph's inputs and outputs, so input edges move from the first matched
/// node and output edges from the last without touching any other node.
/// Removed slots stay empty until ``finish()``, which compacts the nodes and
/// orders them topologically.
public struct GraphEditor {
    /// The graph being edited; `nodes` is rebuilt by ``finish()``.
    public private(set) var graph: Graph
    private var slots: [Node?]
    private var producerOf: [String: Int] = [:]
    private var consumersOf: [String: [Int]] = [:]
    private var outputNames: Set<String>
    private var counter = 0

    /// Starts editing `graph`.
    public init(_ graph: Graph) {
        self.graph = graph
        self.slots = graph.nodes
        self.outputNames = Set(graph.outputs.map(\.name))
        for i in slots.indices { index(i) }
    }

    // MARK: Reading

    /// Indices of the live nodes, in slot order (topological when the graph was sorted).
    public var liveIndices: [Int] { slots.indices.filter { slots[$0] != nil } }

    /// The node in slot `i`, nil when removed.
    public func node(_ i: Int) -> Node? { i < slots.count ? slots[i] : nil }

    /// The slot of the node producing `value`, nil for graph inputs and initializers.
    public func producer(of value: String) -> Int? { producerOf[value] }

    /// The slots of the nodes consuming `value` (once per use).
    public func consumers(of value: String) -> [Int] { consumersOf[value] ?? [] }

    /// True when `value` is a graph output.
    public func isGraphOutput(_ value: String) -> Bool { outputNames.contains(value) }

    /// The initializer named `value`, if it is one.
    public func constant(_ value: String) -> Tensor? { graph.initializers[value] }

    /// The type of a value recorded in the graph (initializer, input, value_info).
    public func type(of value: String) -> ValueType? { graph.type(of: value) }

    /// Number of live nodes.
    public var nodeCount: Int { slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    // MARK: Writing

    /// Replaces the nodes in `matched` by `newNodes`. The new nodes must
    /// produce every matched output that is still used outside the match
    /// (under the same name), and read only values defined outside it.
    public mutating func replace(_ matched: [Int], with newNodes: [Node]) {
        for i in Set(matched) { remove(i) }
        for n in newNodes { add(n) }
    }

    /// Adds a node and returns its slot.
    @discardableResult
    public mutating func add(_ node: Node) -> Int {
        slots.append(node)
        index(slots.count - 1)
        return slots.count - 1
    }

    /// Removes the node in slot `i` (its outputs become undefined).
    public mutating func remove(_ i: Int) {
        guard let n = slots[i] else { return }
        for v in n.inputs where !v.isEmpty {
            consumersOf[v]?.removeAll { $0 == i }
            if consumersOf[v]?.isEmpty == true { consumersOf[v] = nil }
        }
        for o in n.outputs where !o.isEmpty && producerOf[o] == i { producerOf[o] = nil }
        slots[i] = nil
    }

    /// Makes every consumer of `old` read `new` instead (graph outputs keep
    /// their names: an output is re-produced by an Identity when needed).
    public mutating func replaceUses(of old: String, with new: String) {
        guard old != new else { return }
        for i in consumers(of: old) {
            guard var n = slots[i] else { continue }
            n.inputs = n.inputs.map { $0 == old ? new : $0 }
            remove(i)
            slots[i] = n
            index(i)
        }
        if outputNames.contains(old) && producerOf[old] == nil {
            add(Node(name: uniqueName("\(old)_identity"), opType: "Identity", inputs: [new], outputs: [old]))
        }
    }

    /// Adds (or replaces) an initializer under a fresh name derived from `hint`; returns the name.
    public mutating func addInitializer(_ tensor: Tensor, hint: String) -> String {
        let name = uniqueName(hint)
        graph.initializers[name] = tensor
        return name
    }

    /// Stores `tensor` as the initializer named exactly `name` (for folding a value in place).
    public mutating func setInitializer(_ name: String, _ tensor: Tensor) {
        graph.initializers[name] = tensor
        graph.valueInfo[name] = nil
    }

    /// Drops the recorded type of `value` (a rewrite changed it; inference recomputes it).
    public mutating func forgetType(of value: String) {
        graph.valueInfo[value] = nil
    }

    /// A value or node name not used in the graph yet, derived from `hint`.
    public mutating func uniqueName(_ hint: String) -> String {
        var name = hint
        while graph.initializers[name] != nil || producerOf[name] != nil
                || graph.inputs.contains(where: { $0.name == name }) || consumersOf[name] != nil {
            counter += 1
            name = "\(hint)_\(counter)"
        }
        return name
    }

    /// Removes nodes none of whose outputs is used (transitively) and
    /// initializers nothing reads. Returns the number of nodes removed.
    @discardableResult
    public mutating func removeDeadNodes() -> Int {
        var removed = 0
        var changed = true
        while changed {
            changed = false
            for i in slots.indices.reversed() {
                guard let n = slots[i] else { continue }
                let used = n.outputs.contains { !$0.isEmpty && (outputNames.contains($0) || consumersOf[$0] != nil) }
                if !used { remove(i); removed += 1; changed = true }
            }
        }
        let read = Set(consumersOf.keys).union(outputNames).union(graph.inputs.map(\.name))
        for name in graph.initializers.keys where !read.contains(name) {
            graph.initializers[name] = nil
        }
        return removed
    }

    /// The edited graph: live nodes in topological order, `valueInfo` pruned
    /// to values that still exist.
    public func finish() throws -> Graph {
        var g = graph
        g.nodes = slots.compactMap { $0 }
        let live = Set(g.nodes.flatMap(\.outputs))
        g.valueInfo = g.valueInfo.filter { live.contains($0.key) }
        g = try g.sortedTopologically()
        return g
    }

    private mutating func index(_ i: Int) {
        guard let n = slots[i] else { return }
        for v in n.inputs where !v.isEmpty { consumersOf[v, default: []].append(i) }
        for o in n.outputs where !o.isEmpty { producerOf[o] = i }
    }
}
