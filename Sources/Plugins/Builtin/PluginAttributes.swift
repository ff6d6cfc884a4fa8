import IR

/// Reading and checking a plugin's attributes, with errors that name the
/// plugin and the attribute.
struct PluginAttributes {
    let plugin: String
    let values: [String: Attribute]

    init(_ plugin: String, _ values: [String: Attribute]) {
        self.plugin = plugin
        self.values = values
    }

    func fail(_ key: String, _ reason: String) -> PluginError {
        .invalidAttribute(plugin: plugin, attribute: key, reason: reason)
    }

    func float(_ key: String, default d: Float? = nil) throws -> Float {
        switch values[key] {
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        case nil: if let d { return d }; throw fail(key, "is required")
        case let a?: throw fail(key, "should be FLOAT but is \(a.kindName)")
        }
    }

    func int(_ key: String, default d: Int? = nil) throws -> Int {
        switch values[key] {
        case .int(let v)?: return v
        case nil: if let d { return d }; throw fail(key, "is required")
        case let a?: throw fail(key, "should be INT but is \(a.kindName)")
        }
    }

    func string(_ key: String, default d: String? = nil, allowed: [String]) throws -> String {
        let v: String
        switch values[key] {
        case .string(let s)?: v = s
        case nil:
            guard let d else { throw fail(key, "is required") }
            v = d
        case let a?: throw fail(key, "should be STRING but is \(a.kindName)")
        }
        guard allowed.contains(v) else { throw fail(key, "'\(v)' is not one of \(allowed.joined(separator: ", "))") }
        return v
    }

    /// Fails unless every attribute present is one of `known`.
    /// The `epsilon` of a normalization plugin, its only attribute: finite and >= 0.
    static func normalizationEpsilon(_ plugin: String, _ values: [String: Attribute]) throws -> Float {
        let a = PluginAttributes(plugin, values)
        try a.only(["epsilon"])
        let epsilon = try a.float("epsilon", default: 1e-5)
        guard epsilon >= 0, epsilon.isFinite else { throw a.fail("epsilon", "must be finite and >= 0") }
        return epsilon
    }

    func only(_ known: Set<String>) throws {
        if let extra = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail(extra, "is not an attribute of this plugin")
        }
    }
}

/// Input checks shared by the built-in plugins.
enum PluginInputs {
    /// The float32 input `i` with its shape; throws when missing or of another type.
    static func float(_ inputs: [ValueType?], _ i: Int, plugin: String) throws -> ValueType {
        guard i < inputs.count, let t = inputs[i] else {
            throw PluginError.invalidInputs(plugin: plugin, reason: "required input \(i) is missing")
        }
        guard t.dataType == .float32 else {
            throw PluginError.invalidInputs(plugin: plugin, reason: "input \(i) is \(t.dataType), expected float32")
        }
        return t
    }

    /// The last dim of a shape when it is static.
    static func lastDim(_ t: ValueType, _ i: Int, plugin: String) throws -> Int? {
        guard let s = t.shape else { return nil }
        guard s.rank >= 1 else {
            throw PluginError.invalidInputs(plugin: plugin, reason: "input \(i) must have rank >= 1")
        }
        return s.dims.last?.value
    }

    /// Checks a run-time buffer is float32 with `count` elements.
    static func check(_ b: TensorBuffer, count: Int, _ what: String, plugin: String) throws {
        guard b.dataType == .float32, b.count == count else {
            throw PluginError.invalidInputs(plugin: plugin,
                reason: "\(what) is \(b.dataType)\(b.shape), expected float32 with \(count) elements")
        }
    }
}
