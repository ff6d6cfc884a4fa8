import IR
import Plugins

/// Checks and builders the fusion passes share.
extension GraphEditor {
    /// The initializer `value` as one float, when it holds exactly one element.
    func scalar(_ value: String) -> Float? {
        guard let t = constant(value), t.count == 1, t.dataType.isFloatingPoint || t.dataType.isInteger else { return nil }
        return t.floatValues()?.first
    }

    /// True when the initializer `value` is a float vector of `length` that
    /// broadcasts along the last axis only (shape `[C]`, `[1, C]`, `[1, 1, C]`).
    func isLastAxisVector(_ value: String, length: Int) -> Bool {
        guard let t = constant(value), t.dataType == .float32, t.count == length, let last = t.shape.last else { return false }
        return last == length && t.shape.dropLast().allSatisfy { $0 == 1 }
    }

    /// The initializer `value` flattened to `[C]` under a fresh name (the same name when already 1-D).
    mutating func vector(_ value: String) -> String {
        guard let t = constant(value), t.rank != 1 else { return value }
        return addInitializer(t.reshaped([t.count]), hint: "\(value)_vector")
    }

    /// Scans the live nodes of op type `root` (in `domain`) and calls
    /// `rewrite` with each one's match; `rewrite` returns the replacement
    /// nodes, or nil when a check fails. Returns how many were replaced.
    mutating func rewriteAll(_ pattern: Pattern, escaping: Set<String> = [],
                             rewrite: (inout GraphEditor, Match) throws -> [Node]?) rethrows -> Int {
        try replaceAll(pattern, escaping: escaping, with: rewrite)
    }

    /// The outputs of the matched node captured as `capture` (the root's when nil).
    func outputs(_ m: Match, _ capture: String? = nil) -> [String] {
        outputs(of: m, capture: capture)
    }

    /// A plugin node in ``workbenchDomain`` named after the root of `m`.
    func pluginNode(_ type: String, _ m: Match, inputs: [String], outputs: [String],
                    attributes: [String: Attribute] = [:]) -> Node {
        let root = node(m.matched[0])?.name ?? type
        return Node(name: "\(root)_\(type)", opType: type, domain: workbenchDomain, inputs: inputs,
                    outputs: outputs, attributes: attributes)
    }
}

extension PassContext {
    /// The static last dim of `value`, when known.
    func lastDim(_ value: String) -> Int? { shape(value)?.dims.last?.value }

    /// True when `value` is float32.
    func isFloat(_ value: String) -> Bool { types[value]?.dataType == .float32 }

    /// True when a reduction node reduces only the last axis of its input and keeps dims.
    func reducesLastAxis(_ n: Node, editor: GraphEditor) -> Bool {
        guard let x = n.input(0), let rank = shape(x)?.rank, rank >= 1,
              (try? n.int("keepdims", default: 1)) == 1 else { return false }
        let axes: [Int]?
        if let a = n.input(1) { axes = editor.constant(a)?.intValues() } else { axes = try? n.ints("axes") }
        guard let axes, axes.count == 1 else { return false }
        return axes[0] == -1 || axes[0] == rank - 1
    }

    /// True when the plugin registry has `name` (a fusion creates only registered plugins).
    func has(_ name: String) -> Bool { options.plugins.type(domain: workbenchDomain, name: name) != nil }
}
