import IR
import Plugins

/// The ONNX domain of the engine's own layers: standard ops lowered to kernels.
public let engineDomain = "com.workbench.engine"

/// The standard ONNX node an engine layer implements, carried in the layer's
/// attributes: the node's own attributes plus `__op`, `__opset`, `__inputs`
/// (input count, omitted ones included) and `__outputs`.
public struct StandardOp: Sendable {
    public let node: Node
    public let opset: Int

    static let reserved: Set<String> = ["__op", "__opset", "__inputs", "__outputs", "__omitted"]

    /// The layer attributes that describe `node` at `opset`.
    public static func attributes(of node: Node, opset: Int) -> [String: Attribute] {
        var a = node.attributes
        a["__op"] = .string(node.opType)
        a["__opset"] = .int(opset)
        a["__inputs"] = .int(node.inputs.count)
        a["__outputs"] = .int(node.outputs.count)
        let omitted = node.inputs.indices.filter { node.inputs[$0].isEmpty }
        if !omitted.isEmpty { a["__omitted"] = .ints(omitted) }
        return a
    }

    /// Rebuilds the node from layer attributes; `plugin` names the layer kind in errors.
    public init(attributes: [String: Attribute], plugin: String) throws {
        func fail(_ key: String, _ reason: String) -> PluginError {
            .invalidAttribute(plugin: plugin, attribute: key, reason: reason)
        }
        guard case .string(let op)? = attributes["__op"], Op(rawValue: op) != nil else {
            throw fail("__op", "missing or not a standard op")
        }
        guard case .int(let opset)? = attributes["__opset"] else { throw fail("__opset", "missing") }
        guard case .int(let inputs)? = attributes["__inputs"], (0...64).contains(inputs) else {
            throw fail("__inputs", "missing or out of range")
        }
        guard case .int(let outputs)? = attributes["__outputs"], (1...64).contains(outputs) else {
            throw fail("__outputs", "missing or out of range")
        }
        var omitted: Set<Int> = []
        if case .ints(let list)? = attributes["__omitted"] { omitted = Set(list) }
        let own = attributes.filter { !Self.reserved.contains($0.key) }
        node = Node(name: op, opType: op, inputs: (0..<inputs).map { omitted.contains($0) ? "" : "in\($0)" },
                    outputs: (0..<outputs).map { "out\($0)" }, attributes: own)
        self.opset = opset
    }

    /// The op (always a standard one).
    public var op: Op { node.op! }

    /// The layer attributes that recreate this op.
    public var attributes: [String: Attribute] { Self.attributes(of: node, opset: opset) }

    /// Output types by the IR's shape inference (constants unknown).
    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] {
        let types = try ShapeInference.inferNode(node, inputs: inputs,
                                                 constants: inputs.map { _ in nil }, opset: opset)
        return try types.enumerated().map { k, t in
            guard let t else { throw PluginError.invalidInputs(plugin: node.opType, reason: "output \(k) type unknown") }
            return t
        }
    }
}

/// An engine layer that implements one standard op.
public protocol StandardLayer: Plugin {
    var standard: StandardOp { get }
    /// True when output 0 may share input 0's buffer (same shape, elementwise).
    var allowsInPlace: Bool { get }
}

extension StandardLayer {
    public var attributes: [String: Attribute] { standard.attributes }
    public var allowsInPlace: Bool { false }
    public func outputTypes(_ inputs: [ValueType?]) throws -> [ValueType] { try standard.outputTypes(inputs) }
}
