import IR
import Reference

/// Anything that runs a model on named tensors: the reference executor today,
/// an engine's execution context once built. The scorer and comparisons take one.
public protocol InferenceSession: AnyObject {
    /// Names of the runtime inputs, in the model's order.
    var inputNames: [String] { get }
    /// Names of the outputs, in the model's order (output 0 first).
    var outputNames: [String] { get }
    /// Runs one inference and returns every output by name.
    func infer(_ feeds: [String: Tensor]) throws -> [String: Tensor]
}

/// The reference executor as an ``InferenceSession``.
public final class ReferenceSession: InferenceSession {
    public let executor: ReferenceExecutor

    public init(graph: Graph) throws { executor = try ReferenceExecutor(graph: graph) }

    public var inputNames: [String] { executor.graph.runtimeInputs.map(\.name) }
    public var outputNames: [String] { executor.graph.outputs.map(\.name) }

    public func infer(_ feeds: [String: Tensor]) throws -> [String: Tensor] {
        try executor.run(feeds)
    }
}
