/// One operation of a graph. Inputs and outputs are value names; an empty
/// name marks an omitted optional input or output, as in ONNX.
public struct Node: Sendable, Equatable {
    public var name: String
    public var opType: String
    /// The operator set domain: "" (or "ai.onnx") for standard ops, else a custom domain.
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: Attribute]
    public var docString: String

    public init(name: String, opType: String, domain: String = "", inputs: [String],
                outputs: [String], attributes: [String: Attribute] = [:], docString: String = "") {
        self.name = name
        self.opType = opType
        self.domain = domain == "ai.onnx" ? "" : domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.docString = docString
    }

    /// The standard op this node is, or nil for custom domains and unknown op types.
    public var op: Op? { domain.isEmpty ? Op(rawValue: opType) : nil }

    /// A label for messages: `Slice_79 (Slice)`.
    public var label: String { name.isEmpty ? "<unnamed \(opType)>" : "\(name) (\(opType))" }

    /// The input at `i`, or nil when absent or omitted.
    public func input(_ i: Int) -> String? {
        i < inputs.count && !inputs[i].isEmpty ? inputs[i] : nil
    }
}

// MARK: Typed attribute access
extension Node {
    private func wrongKind(_ key: String, _ want: String, _ got: Attribute) -> IRError {
        .attributeKind(node: label, attribute: key, expected: want, found: got.kindName)
    }

    /// An INT attribute, or `default` when absent; throws when present with another kind.
    public func int(_ key: String, default d: Int? = nil) throws -> Int? {
        guard let a = attributes[key] else { return d }
        if case .int(let v) = a { return v }
        throw wrongKind(key, "INT", a)
    }

    public func float(_ key: String, default d: Float? = nil) throws -> Float? {
        guard let a = attributes[key] else { return d }
        if case .float(let v) = a { return v }
        if case .int(let v) = a { return Float(v) }
        throw wrongKind(key, "FLOAT", a)
    }

    public func string(_ key: String, default d: String? = nil) throws -> String? {
        guard let a = attributes[key] else { return d }
        if case .string(let v) = a { return v }
        throw wrongKind(key, "STRING", a)
    }

    public func ints(_ key: String, default d: [Int]? = nil) throws -> [Int]? {
        guard let a = attributes[key] else { return d }
        if case .ints(let v) = a { return v }
        throw wrongKind(key, "INTS", a)
    }

    public func floats(_ key: String, default d: [Float]? = nil) throws -> [Float]? {
        guard let a = attributes[key] else { return d }
        if case .floats(let v) = a { return v }
        throw wrongKind(key, "FLOATS", a)
    }

    public func strings(_ key: String, default d: [String]? = nil) throws -> [String]? {
        guard let a = attributes[key] else { return d }
        if case .strings(let v) = a { return v }
        throw wrongKind(key, "STRINGS", a)
    }

    public func tensor(_ key: String) throws -> Tensor? {
        guard let a = attributes[key] else { return nil }
        if case .tensor(let v) = a { return v }
        throw wrongKind(key, "TENSOR", a)
    }

    /// A required attribute; throws `missingAttribute` when absent.
    public func required<T>(_ key: String, _ get: (String) throws -> T?) throws -> T {
        guard let v = try get(key) else { throw IRError.missingAttribute(node: label, attribute: key) }
        return v
    }
}
