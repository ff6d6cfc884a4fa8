import IR

/// Cuts a subgraph out of a model by node names, like onnx-graphsurgeon's
/// `graph.inputs = [...]; graph.outputs = [...]; graph.cleanup()`:
///
/// - inputs: every value the chosen nodes read that none of them produces and
///   that is not an initializer (initializers the nodes read come along);
/// - outputs: every value the chosen nodes produce that a node outside them
///   reads, or that is a model output;
/// - `Constant` nodes that feed the chosen nodes come along too, so a
///   constant operand stays a constant (what fusions check for).
///
/// Input and output types are the model's, inferred when not declared: they
/// keep the model's symbols and derived dims (`B`, `(T-1)/2`).
public enum SubgraphExtractor {
    /// The subgraph of `graph` made of the nodes named `names` (in any order).
    public static func extract(_ graph: Graph, nodes names: [String]) throws -> Graph {
        guard !names.isEmpty else { throw DebugError.invalidNodeList("no node names given") }
        var seen = Set<String>()
        for n in names where !seen.insert(n).inserted { throw DebugError.invalidNodeList("'\(n)' is named twice") }
        let byName = Dictionary(graph.nodes.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        var chosen = Set<Int>()
        for n in names {
            guard let i = byName[n] else { throw DebugError.unknownNode(n, suggestions: similar(n, graph)) }
            chosen.insert(i)
        }
        let producers = graph.producers()
        for i in chosen {
            for v in graph.nodes[i].inputs where !v.isEmpty {
                if let p = producers[v], graph.nodes[p].opType == "Constant", graph.nodes[p].inputs.isEmpty { chosen.insert(p) }
            }
        }
        let typed = try ShapeInference.infer(graph)
        let produced = Set(chosen.flatMap { graph.nodes[$0].outputs }.filter { !$0.isEmpty })
        var inputs: [ValueInfo] = [], initializers: [String: Tensor] = [:], inputNames = Set<String>()
        for i in chosen.sorted() {
            for v in graph.nodes[i].inputs where !v.isEmpty && !produced.contains(v) {
                if let t = graph.initializers[v] { initializers[v] = t; continue }
                if inputNames.insert(v).inserted { inputs.append(ValueInfo(name: v, type: typed.type(of: v))) }
            }
        }
        let modelOutputs = Set(graph.outputs.map(\.name))
        var usedOutside = Set<String>()
        for (i, n) in graph.nodes.enumerated() where !chosen.contains(i) { usedOutside.formUnion(n.inputs) }
        var outputs: [ValueInfo] = []
        for i in chosen.sorted() {
            for v in graph.nodes[i].outputs where !v.isEmpty && (usedOutside.contains(v) || modelOutputs.contains(v)) {
                outputs.append(ValueInfo(name: v, type: typed.type(of: v)))
            }
        }
        guard !outputs.isEmpty else {
            throw DebugError.emptySubgraph("no value of \(names.joined(separator: ", ")) is read outside them")
        }
        let sub = Graph(name: "\(graph.name)-subgraph", nodes: chosen.sorted().map { graph.nodes[$0] },
                        inputs: inputs, outputs: outputs, initializers: initializers,
                        opsetImports: graph.opsetImports)
        return try sub.sortedTopologically()
    }

    /// Up to three node names that share the longest prefix with `name`.
    static func similar(_ name: String, _ graph: Graph) -> [String] {
        let target = Array(name)
        func common(_ a: String) -> Int {
            var n = 0
            for (x, y) in zip(a, target) where n >= 0 { if x == y { n += 1 } else { break } }
            return n
        }
        let threshold = Swift.max(3, target.count / 2)
        var ranked: [(name: String, score: Int)] = []
        for node in graph.nodes where !node.name.isEmpty {
            let score = common(node.name)
            if score >= threshold { ranked.append((node.name, score)) }
        }
        ranked.sort { $0.score != $1.score ? $0.score > $1.score : $0.name < $1.name }
        return ranked.prefix(3).map { $0.name }
    }
}
