import Foundation
import IR
import Runtime

/// An ``Engine`` as an ``InferenceSession``: each inference runs on the
/// execution context of the first profile that contains its input shapes
/// (one context per profile, created on first use).
public final class EngineSession: InferenceSession {
    public let engine: Engine
    private var contexts: [Int: ExecutionContext] = [:]

    public init(engine: Engine) { self.engine = engine }

    /// Loads the plan at `url`.
    public convenience init(contentsOf url: URL) throws { self.init(engine: try Engine(contentsOf: url)) }

    public var inputNames: [String] { engine.inputNames }
    public var outputNames: [String] { engine.outputNames }

    public func infer(_ feeds: [String: Tensor]) throws -> [String: Tensor] {
        let profile = try engine.requireProfile(containing: feeds.mapValues(\.shape))
        let context: ExecutionContext
        if let c = contexts[profile] {
            context = c
        } else {
            context = try engine.makeContext(profile: profile)
            contexts[profile] = context
        }
        return try context.run(feeds)
    }
}
