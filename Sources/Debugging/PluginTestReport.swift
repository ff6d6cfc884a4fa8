import IR

/// What `plugin test` reports: the plugin, where it sits, and one
/// ``PluginTestCase`` per shape.
public struct PluginTestReport: Sendable, Codable, Equatable {
    /// The plugin as given (`GLU`, `com.example::Swish`).
    public var plugin: String
    /// The nodes that run it in the fused graph.
    public var pluginNodes: [String]
    /// The subgraph's nodes (the reference) and its inputs, in order.
    public var referenceNodes: Int
    public var inputs: [String]
    public var tolerance: Tolerance
    public var cases: [PluginTestCase]

    public var passed: Bool { cases.allSatisfy(\.passed) }
    /// The cases outside the tolerance.
    public var failures: [PluginTestCase] { cases.filter { !$0.passed } }
}

extension PluginTester {
    /// Runs every sample (input seed `seed + k` for the k-th) and collects the report.
    public func test(_ samples: [ShapeSample], seed: UInt64, iterations: Int = 1, tolerance: Tolerance,
                     tactic: String? = nil, progress: (PluginTestCase) -> Void = { _ in }) throws -> PluginTestReport {
        var cases: [PluginTestCase] = []
        for (k, sample) in samples.enumerated() {
            let c = try run(sample, seed: seed &+ UInt64(k), iterations: iterations, tolerance: tolerance, tactic: tactic)
            progress(c)
            cases.append(c)
        }
        return PluginTestReport(plugin: Self.label(pluginDomain, pluginName), pluginNodes: pluginNodes,
                                referenceNodes: reference.nodes.count, inputs: reference.runtimeInputs.map(\.name),
                                tolerance: tolerance, cases: cases)
    }
}
