extension Graph {
    /// Names available before any node runs: graph inputs and initializers.
    public var sourceNames: Set<String> {
        Set(inputs.map(\.name)).union(initializers.keys)
    }

    /// The node indices in an order where every producer precedes its consumers
    /// (Kahn's algorithm, stable: ties keep the original order).
    /// Throws ``IRError/cycle(nodes:)`` when no such order exists.
    public func topologicalOrder() throws -> [Int] {
        let producer = producers()
        var indegree = [Int](repeating: 0, count: nodes.count)
        var dependents = [[Int]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() {
            var seen = Set<Int>()
            for v in n.inputs where !v.isEmpty {
                if let p = producer[v], seen.insert(p).inserted {
                    indegree[i] += 1
                    dependents[p].append(i)
                }
            }
        }
        // A min-heap would be O(n log n); a sorted ready list keeps the code plain
        // and is fast enough for graphs of a few thousand nodes.
        var ready = (0..<nodes.count).filter { indegree[$0] == 0 }
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        var cursor = 0
        while cursor < ready.count {
            let i = ready[cursor]
            cursor += 1
            order.append(i)
            for d in dependents[i] {
                indegree[d] -= 1
                if indegree[d] == 0 { ready.append(d) }
            }
        }
        if order.count != nodes.count {
            let stuck = (0..<nodes.count).filter { indegree[$0] > 0 }.map { nodes[$0].label }
            throw IRError.cycle(nodes: stuck)
        }
        return order
    }

    /// Returns the graph with its nodes in topological order.
    public func sortedTopologically() throws -> Graph {
        var g = self
        g.nodes = try topologicalOrder().map { nodes[$0] }
        return g
    }

    /// Checks the graph is well formed: every input is defined, no value is
    /// produced twice, no cycle, every graph output is defined.
    public func validate() throws {
        var defined = sourceNames
        for n in nodes {
            for o in n.outputs where !o.isEmpty {
                if !defined.insert(o).inserted { throw IRError.duplicateName(o) }
            }
        }
        for n in nodes {
            for v in n.inputs where !v.isEmpty && !defined.contains(v) {
                throw IRError.danglingInput(node: n.label, input: v)
            }
        }
        for o in outputs where !defined.contains(o.name) {
            throw IRError.missingOutput(o.name)
        }
        _ = try topologicalOrder()
    }

    /// Nodes whose (domain, op type) is not a standard op the workbench supports,
    /// grouped by op type: what `inspect` lists and importers reject.
    public func unsupportedOps(isSupported: (Node) -> Bool = { $0.op != nil }) -> [(op: String, nodes: [String])] {
        var groups: [String: [String]] = [:]
        for n in nodes where !isSupported(n) {
            let key = n.domain.isEmpty ? n.opType : "\(n.domain)::\(n.opType)"
            groups[key, default: []].append(n.name.isEmpty ? "<unnamed>" : n.name)
        }
        return groups.map { ($0.key, $0.value) }.sorted { $0.op < $1.op }
    }
}
