import IR
import Plugins

/// The rewrite API a plugin library's fusion pass uses (the built-in fusions
/// use the same matching underneath).
extension GraphEditor {
    /// Finds every live node that roots a match of `pattern` (its node ops and
    /// domain), and replaces the matched nodes with what `rewrite` returns for
    /// the match; `rewrite` returns nil to leave a match alone (a check failed).
    ///
    /// Matched nodes other than the root must have no consumers outside the
    /// match (values captured under `escaping` excepted). Returns the number
    /// of replacements.
    public mutating func replaceAll(_ pattern: Pattern, escaping: Set<String> = [],
                                    with rewrite: (inout GraphEditor, Match) throws -> [Node]?) rethrows -> Int {
        guard case .node(let root) = pattern else { return 0 }
        var count = 0
        for i in liveIndices {
            guard let n = node(i), n.domain == root.domain, root.ops.contains(n.opType),
                  let m = match(pattern, root: i, escaping: escaping) else { continue }
            guard let nodes = try rewrite(&self, m) else { continue }
            replace(m.matched, with: nodes)
            count += 1
        }
        return count
    }

    /// The outputs of the matched node captured as `capture` (the root's when nil).
    public func outputs(of m: Match, capture: String? = nil) -> [String] {
        let slot = capture.flatMap { m.nodes[$0] } ?? m.matched.first
        return slot.flatMap { node($0)?.outputs } ?? []
    }

    /// A node of `plugin` (its domain and op type) named after the root of `m`.
    public func node(for plugin: any Plugin.Type, replacing m: Match, inputs: [String], outputs: [String],
                     attributes: [String: Attribute] = [:]) -> Node {
        let root = m.matched.first.flatMap { node($0)?.name } ?? plugin.name
        return Node(name: "\(root)_\(plugin.name)", opType: plugin.name, domain: plugin.domain, inputs: inputs,
                    outputs: outputs, attributes: attributes)
    }
}

extension PassContext {
    /// True when `plugin` is registered in the surgeon's plugin registry (a
    /// pass inserts only plugins the engine will be able to run).
    public func isRegistered(_ plugin: any Plugin.Type) -> Bool {
        options.plugins.type(domain: plugin.domain, name: plugin.name) != nil
    }

    /// The element type of `value`, when inferred.
    public func dataType(of value: String) -> DataType? { types[value]?.dataType }
}
