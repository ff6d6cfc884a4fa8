import IR
import Kernels
import Plugins
import Reference

/// Runs any standard op through the reference executor's kernel on tensors:
/// correct for every op the workbench knows, slower than a dedicated layer
/// (inputs are copied into tensors and outputs back). `--verbose` builds list
/// the layers that use it. Shape-stage layers always use it.
public final class ReferenceLayer: StandardLayer, @unchecked Sendable {
    // @unchecked: the executor is immutable after init; `run` only reads it.
    public static let name = "Reference"
    public static let version = 1
    public static let domain = engineDomain

    public let standard: StandardOp
    private let executor: ReferenceExecutor

    public init(attributes: [String: Attribute]) throws {
        standard = try StandardOp(attributes: attributes, plugin: Self.name)
        let node = standard.node
        let graph = Graph(name: node.opType, nodes: [node],
                          inputs: node.inputs.filter { !$0.isEmpty }.map { ValueInfo(name: $0, type: nil) },
                          outputs: node.outputs.map { ValueInfo(name: $0, type: nil) },
                          opsetImports: ["": standard.opset])
        executor = try ReferenceExecutor(graph: graph)
    }

    public func tactics(inputShapes: [[Int]]) -> [String] { ["reference"] }

    /// Runs the op on tensors (nil for omitted inputs).
    public func run(tensors inputs: [Tensor?]) throws -> [Tensor] {
        var feeds: [String: Tensor] = [:]
        for (k, name) in standard.node.inputs.enumerated() where !name.isEmpty {
            guard k < inputs.count, let t = inputs[k] else {
                throw PluginError.invalidInputs(plugin: "Reference(\(standard.node.opType))", reason: "input \(k) is missing")
            }
            feeds[name] = t
        }
        let results = try executor.run(feeds)
        return standard.node.outputs.map { results[$0] ?? Tensor.zeros(.float32, shape: [0]) }
    }

    public func enqueue(_ call: PluginCall) throws {
        let inputs = try call.inputs.map { b in try b.map { try TensorBytes.read($0.data, dataType: $0.dataType, shape: $0.shape) } }
        let outputs = try run(tensors: inputs)
        for (k, buffer) in call.outputs.enumerated() where k < outputs.count {
            let t = outputs[k]
            guard t.shape == buffer.shape, t.dataType == buffer.dataType else {
                throw PluginError.invalidInputs(plugin: "Reference(\(standard.node.opType))",
                    reason: "output \(k) is \(t.dataType)\(t.shape) but the engine planned \(buffer.dataType)\(buffer.shape)")
            }
            try TensorBytes.write(t, to: buffer.data)
        }
    }
}
