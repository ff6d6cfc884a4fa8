import IR

/// A small declarative pattern over a graph, matched backwards from a root
/// value to its producers:
///
///     let p = Pattern.op("Add", .op("Mul", .any("x"), .constant("scale")), .constant("bias"))
///
/// - ``any(_:)`` matches any value and captures its name; a capture used twice
///   must bind the same value both times (`x` in `Sub(x, ReduceMean(x))`);
/// - ``constant(_:)`` matches an initializer;
/// - ``op(_:_:as:output:)`` matches the node producing the value when its op
///   type is the given one (``oneOf(_:_:as:output:)`` for several); the node's
///   first inputs must match the input patterns (more inputs are allowed, for
///   opset-dependent optional inputs). Add and Mul match in either operand
///   order. A node captured by name matches itself only once; a later
///   ``node(_:)`` refers back to it (the shared `Sub` in a decomposed LayerNorm).
public indirect enum Pattern: Sendable {
    case value(capture: String)
    case constant(capture: String)
    case node(NodePattern)
    case reference(capture: String)

    /// Any value, captured as `name`.
    public static func any(_ name: String) -> Pattern { .value(capture: name) }
    /// An initializer, captured as `name`.
    public static func constant(_ name: String) -> Pattern { .constant(capture: name) }
    /// The value produced by a node already captured as `name`.
    public static func node(_ name: String) -> Pattern { .reference(capture: name) }

    /// A standard-op node of type `type` whose output `output` is the value.
    public static func op(_ type: String, _ inputs: Pattern..., as name: String? = nil, output: Int = 0) -> Pattern {
        .node(NodePattern(ops: [type], inputs: inputs, capture: name, output: output))
    }

    /// A node of a plugin in `domain` (the fused ops earlier passes made).
    public static func plugin(_ type: String, _ inputs: Pattern..., as name: String? = nil, output: Int = 0,
                              domain: String = "com.workbench") -> Pattern {
        .node(NodePattern(ops: [type], inputs: inputs, capture: name, output: output, domain: domain))
    }

    /// A standard-op node of any of `types`.
    public static func oneOf(_ types: [String], _ inputs: Pattern..., as name: String? = nil, output: Int = 0) -> Pattern {
        .node(NodePattern(ops: Set(types), inputs: inputs, capture: name, output: output))
    }
}

/// One node of a ``Pattern``.
public struct NodePattern: Sendable {
    public var ops: Set<String>
    public var inputs: [Pattern]
    public var capture: String?
    public var output: Int
    /// "" for standard ops.
    public var domain: String = ""

    /// Ops whose two inputs may be swapped.
    static let commutative: Set<String> = ["Add", "Mul", "And", "Or", "Equal", "Max", "Min"]
}

/// What a ``Pattern`` matched: captured values and nodes, and every matched node.
public struct Match: Sendable {
    /// Capture name → value name.
    public var values: [String: String] = [:]
    /// Capture name → node slot.
    public var nodes: [String: Int] = [:]
    /// Every matched node slot, root first.
    public var matched: [Int] = []

    /// The value captured as `name` ("" when the pattern has no such capture, a programming error).
    public subscript(_ name: String) -> String { values[name] ?? "" }
}

extension GraphEditor {
    /// Matches `pattern` against the value `value`; nil when it does not match.
    public func match(_ pattern: Pattern, value: String) -> Match? {
        match(pattern, value, Match())
    }

    /// Matches `pattern` rooted at the node in slot `root` (its output `output`
    /// is the pattern's value) and checks that the matched nodes other than
    /// the root have no consumer outside the match and are not graph outputs,
    /// except for the values captured under `escaping`.
    public func match(_ pattern: Pattern, root: Int, escaping: Set<String> = []) -> Match? {
        guard case .node(let np) = pattern, let n = node(root), np.output < n.outputs.count,
              let m = match(pattern, n.outputs[np.output], Match()), m.matched.first == root
        else { return nil }
        let inside = Set(m.matched)
        let allowed = Set(escaping.compactMap { m.values[$0] })
        for i in m.matched where i != root {
            guard let n = node(i) else { return nil }
            for o in n.outputs where !o.isEmpty && !allowed.contains(o) {
                if isGraphOutput(o) || !consumers(of: o).allSatisfy(inside.contains) { return nil }
            }
        }
        return m
    }

    private func match(_ p: Pattern, _ value: String, _ m: Match) -> Match? {
        var m = m
        switch p {
        case .value(let c):
            if let bound = m.values[c] { return bound == value ? m : nil }
            m.values[c] = value
            return m
        case .constant(let c):
            guard constant(value) != nil else { return nil }
            if let bound = m.values[c] { return bound == value ? m : nil }
            m.values[c] = value
            return m
        case .reference(let c):
            guard let slot = m.nodes[c], let n = node(slot), n.outputs.contains(value) else { return nil }
            return m
        case .node(let np):
            guard let slot = producer(of: value), let n = node(slot), n.domain == np.domain,
                  np.ops.contains(n.opType), np.output < n.outputs.count, n.outputs[np.output] == value,
                  n.inputs.count >= np.inputs.count, !m.matched.contains(slot) else { return nil }
            if let c = np.capture {
                if m.nodes[c] != nil { return nil }
                m.nodes[c] = slot
                m.values[c] = value
            }
            m.matched.append(slot)
            let inputs = Array(n.inputs.prefix(np.inputs.count))
            if let r = matchInputs(np.inputs, inputs, m) { return r }
            if np.inputs.count == 2, NodePattern.commutative.contains(n.opType) {
                return matchInputs(np.inputs, inputs.reversed(), m)
            }
            return nil
        }
    }

    private func matchInputs(_ patterns: [Pattern], _ values: [String], _ m: Match) -> Match? {
        var m = m
        for (p, v) in zip(patterns, values) {
            guard !v.isEmpty, let next = match(p, v, m) else { return nil }
            m = next
        }
        return m
    }
}
