import Foundation
import IR
import Kernels
import Passes
import Plugins
import Reference

/// How `plugin test` puts the plugin into the subgraph.
public enum PluginPlacement: Sendable, Equatable {
    /// The surgeon fuses the subgraph; the plugin must appear in the result.
    case fusion
    /// One plugin node with these attributes replaces the whole subgraph. It
    /// reads `inputs` (subgraph inputs or initializers; nil: the subgraph's
    /// runtime inputs in order) and writes the subgraph's outputs in order.
    case node(attributes: [String: Attribute], inputs: [String]?)
}

/// Tests a plugin against the subgraph it replaces, like the hand-written
/// numpy scripts of the hackathon but for any shape of a profile range.
///
/// The reference is the subgraph run op by op by ``ReferenceExecutor``; the
/// plugin side is the fused graph (or the one plugin node) run by the same
/// executor with plugin nodes on their kernels (``Plugin/run(_:tactic:threads:)``).
public final class PluginTester {
    /// The plugin under test, as `domain::Name` pieces.
    public let pluginName: String
    public let pluginDomain: String
    /// The subgraph (the reference) and the graph with the plugin in it.
    public let reference: Graph
    public let fused: Graph
    /// Names of the nodes of `fused` that run the plugin under test.
    public let pluginNodes: [String]
    private let registry: PluginRegistry
    private let referenceExecutor: ReferenceExecutor
    private let threads: ThreadPool

    /// Prepares both sides; throws when the plugin is not registered, the
    /// surgeon does not insert it, or a plugin input names no value.
    public init(subgraph: Graph, plugin: String, placement: PluginPlacement = .fusion,
                registry: PluginRegistry = .shared, dimRanges: [String: ClosedRange<Int>] = [:], threads: Int = 1) throws {
        let (domain, name) = Self.split(plugin)
        guard registry.type(domain: domain, name: name) != nil else {
            throw PluginError.notRegistered(name: name, domain: domain, version: nil)
        }
        pluginName = name
        pluginDomain = domain
        reference = subgraph
        self.registry = registry
        self.threads = ThreadPool(threads: Swift.max(1, threads))
        referenceExecutor = try ReferenceExecutor(graph: subgraph)
        switch placement {
        case .fusion:
            let (g, report) = try Surgeon.run(subgraph, options: SurgeonOptions(plugins: registry, dimRanges: dimRanges))
            fused = g
            pluginNodes = g.nodes.filter { $0.domain == domain && $0.opType == name }.map(\.name)
            guard !pluginNodes.isEmpty else {
                throw DebugError.notFused(plugin: Self.label(domain, name),
                                          opsAfter: report.opsAfter.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" })
            }
        case .node(let attributes, let inputs):
            fused = try Self.singleNode(subgraph, domain: domain, name: name, attributes: attributes, inputs: inputs)
            _ = try registry.create(domain: domain, name: name, attributes: attributes)  // attribute errors now, named
            pluginNodes = fused.nodes.map(\.name)
        }
    }

    /// `com.example::Foo` → (`com.example`, `Foo`); a bare name is in ``workbenchDomain``.
    public static func split(_ plugin: String) -> (domain: String, name: String) {
        guard let r = plugin.range(of: "::", options: .backwards) else { return (workbenchDomain, plugin) }
        return (String(plugin[..<r.lowerBound]), String(plugin[r.upperBound...]))
    }

    static func label(_ domain: String, _ name: String) -> String {
        domain == workbenchDomain ? name : "\(domain)::\(name)"
    }

    private static func singleNode(_ g: Graph, domain: String, name: String, attributes: [String: Attribute],
                                   inputs: [String]?) throws -> Graph {
        let known = g.runtimeInputs.map(\.name) + g.initializers.keys.sorted()
        let names = inputs ?? g.runtimeInputs.map(\.name)
        for n in names where !n.isEmpty && !known.contains(n) { throw DebugError.unknownPluginInput(n, known: known) }
        let node = Node(name: "\(name)_under_test", opType: name, domain: domain, inputs: names,
                        outputs: g.outputs.map(\.name), attributes: attributes)
        var imports = g.opsetImports
        if imports[domain] == nil { imports[domain] = 1 }
        return Graph(name: g.name + "-plugin", nodes: [node], inputs: g.inputs, outputs: g.outputs,
                     initializers: g.initializers.filter { names.contains($0.key) }, opsetImports: imports)
    }

    /// Runs both sides on seeded random inputs of `sample`'s shapes and
    /// compares every subgraph output; times each side over `iterations` runs
    /// (the median counts). `tactic` forces the plugin's tactic.
    public func run(_ sample: ShapeSample, seed: UInt64, iterations: Int = 1, tolerance: Tolerance,
                    tactic: String? = nil) throws -> PluginTestCase {
        let feeds = Dictionary(uniqueKeysWithValues: try RandomInputs(seed: seed).make(for: reference.runtimeInputs, shapes: sample.shapes))
        let used = TacticLog()
        let pluginExecutor = try ReferenceExecutor(graph: fused) { node in self.kernel(for: node, tactic: tactic, log: used) }
        let (expected, referenceMs) = try Self.timed(iterations) { try self.referenceExecutor.run(feeds) }
        let (produced, pluginMs) = try Self.timed(iterations) { try pluginExecutor.run(feeds) }
        var outputs: [PluginTestCase.Output] = []
        for o in reference.outputs {
            guard let want = expected[o.name], let got = produced[o.name] else {
                throw DebugError.mismatch(tensor: o.name, reason: "missing from one side's outputs")
            }
            let stats = try ErrorStats.compare(got, want, name: o.name, tolerance: tolerance)
            outputs.append(.init(name: o.name, shape: want.shape, stats: stats,
                                 worst: stats.worstIndex.map { ErrorStats.position($0, in: want.shape) }))
        }
        return PluginTestCase(label: sample.label, shapes: sample.shapes, tactics: used.tactics,
                              outputs: outputs, pluginMs: pluginMs, referenceMs: referenceMs)
    }

    private func kernel(for node: Node, tactic: String?, log: TacticLog) -> ReferenceExecutor.CustomKernel? {
        guard node.domain == pluginDomain && node.opType == pluginName else { return registry.referenceKernel(for: node) }
        let plugin = Result { try self.registry.create(domain: node.domain, name: node.opType, attributes: node.attributes) }
        let threads = self.threads
        return { _, inputs in
            let p = try plugin.get()
            // Weights in the layout an engine gives the kernel (``Plugin/pack(constant:input:)``), and the
            // tactics offered for that layout.
            let packed = try p.packed(inputs)
            let available = p.tactics(inputShapes: packed.map { $0?.shape ?? [] })
            let chosen = tactic ?? available.first ?? "default"
            guard available.contains(chosen) || tactic == nil else {
                throw PluginError.unknownTactic(plugin: Self.label(node.domain, node.opType), tactic: chosen)
            }
            log.add(chosen)
            return try p.run(packed, tactic: chosen, threads: threads, packWeights: false)
        }
    }

    /// Runs `body` `iterations` times; its last result and the median milliseconds.
    static func timed<T>(_ iterations: Int, _ body: () throws -> T) throws -> (T, Double) {
        let clock = ContinuousClock()
        var times: [Double] = []
        var result: T?
        for _ in 0..<Swift.max(iterations, 1) {
            let start = clock.now
            result = try body()
            let (s, atto) = (clock.now - start).components
            times.append(Double(s) * 1000 + Double(atto) / 1e15)
        }
        times.sort()
        return (result!, times[times.count / 2])
    }
}

/// The tactics the plugin's nodes ran with, in order of first use.
private final class TacticLog: @unchecked Sendable {
    private(set) var tactics: [String] = []
    func add(_ t: String) { if !tactics.contains(t) { tactics.append(t) } }
}

/// One shape of a `plugin test`: per subgraph output, the error of the
/// plugin against the reference, and both sides' median time.
public struct PluginTestCase: Sendable, Codable, Equatable {
    public struct Output: Sendable, Codable, Equatable {
        public var name: String
        public var shape: [Int]
        public var stats: ErrorStats
        /// The position of the worst element outside the tolerance, if any.
        public var worst: [Int]?
    }

    public var label: String
    public var shapes: [String: [Int]]
    public var tactics: [String]
    public var outputs: [Output]
    public var pluginMs: Double
    public var referenceMs: Double

    public var passed: Bool { outputs.allSatisfy(\.stats.passed) }
}
