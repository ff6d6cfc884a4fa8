import IR
import Plugins
import Reference
import Runtime

/// One tensor compared between two runners: which layer made it (for engine
/// values), the error, and whether it passed.
public struct ComparedTensor: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case pass, fail, skipped }

    public var name: String
    /// The engine layer that produced it, its plugin (`LayerNorm@1`) and tactic.
    public var layer: String?
    public var plugin: String?
    public var tactic: String?
    public var shape: [Int]
    public var stats: ErrorStats?
    public var status: Status
    /// Why it was skipped (dtype or shape differ after fusion).
    public var note: String?
}

/// What `compare` found: every engine output against the reference executor
/// (and ONNX Runtime when given), and with `--mark-all` every intermediate
/// engine value whose name exists in the original graph, in layer order.
public struct EngineComparisonReport: Sendable, Codable, Equatable {
    public var tolerance: Tolerance
    public var profile: Int
    public var outputs: [ComparedTensor]
    /// Engine outputs against ONNX Runtime's, and the reference's against ONNX Runtime's.
    public var engineVsOnnxRuntime: [ComparedTensor]?
    public var referenceVsOnnxRuntime: [ComparedTensor]?
    /// Why the ONNX Runtime columns are absent, if they are.
    public var onnxRuntimeNote: String?
    /// Marked intermediate values in the engine's layer (topological) order.
    public var layers: [ComparedTensor]
    /// The first marked value (or output) outside the tolerance.
    public var firstFailure: ComparedTensor?

    public var passed: Bool {
        (outputs + (engineVsOnnxRuntime ?? []) + layers).allSatisfy { $0.status != .fail }
    }
}

/// Runs an engine and the reference executor on the same inputs and compares
/// them, output by output and (`markAll`) layer by layer: Polygraphy's
/// `run --onnxrt --trt --mark all`, for finding the first wrong kernel.
public enum EngineComparison {
    /// Compares `engine` (built from `graph`) with the reference executor on
    /// `feeds`, and both with `onnxRuntime`'s outputs when given.
    public static func run(graph: Graph, engine: Engine, feeds: [String: Tensor], tolerance: Tolerance,
                           markAll: Bool, registry: PluginRegistry = .shared,
                           onnxRuntime: [String: Tensor]? = nil) throws -> EngineComparisonReport {
        let outputNames = Set(graph.outputs.map(\.name))
        let candidates = markAll ? Set(graph.nodes.flatMap(\.outputs)).subtracting(outputNames).subtracting([""]) : []
        let (profile, produced, captured) = try runEngine(engine, feeds, capturing: candidates)
        let manifest = engine.manifest
        let executor = try ReferenceExecutor(graph: graph) { registry.referenceKernel(for: $0) }
        let expected = try executor.run(feeds, keep: Set(captured.map(\.name)))
        let producers = Self.producers(manifest)
        var outputs: [ComparedTensor] = []
        for o in graph.outputs {
            guard let got = produced[o.name], let want = expected[o.name] else {
                throw DebugError.mismatch(tensor: o.name, reason: "the engine has no output of that name")
            }
            outputs.append(try compare(o.name, got, want, tolerance, producers[o.name].map { describe(manifest, $0, profile) }))
        }
        var layers: [ComparedTensor] = []
        for c in captured {
            guard let want = expected[c.name] else { continue }
            var row = ComparedTensor(name: c.name, shape: c.tensor.shape, status: .skipped)
            do {
                row = try compare(c.name, c.tensor, want, tolerance, describe(manifest, c.layer, profile))
            } catch let e as DebugError {
                row.note = e.description
                (row.layer, row.plugin, row.tactic) = describe(manifest, c.layer, profile)
            }
            layers.append(row)
        }
        let first = layers.first { $0.status == .fail } ?? outputs.first { $0.status == .fail }
        var report = EngineComparisonReport(tolerance: tolerance, profile: profile, outputs: outputs, layers: layers, firstFailure: first)
        if let onnxRuntime {
            let names = graph.outputs.map(\.name)
            report.engineVsOnnxRuntime = try compareOutputs(produced, onnxRuntime, names: names, tolerance: tolerance)
            report.referenceVsOnnxRuntime = try compareOutputs(expected, onnxRuntime, names: names, tolerance: tolerance)
        }
        return report
    }

    /// Runs the engine once on `feeds`: its profile, its outputs, and a copy of
    /// every value named in `candidates` taken right after the layer that wrote it.
    private static func runEngine(_ engine: Engine, _ feeds: [String: Tensor], capturing candidates: Set<String>) throws
        -> (profile: Int, outputs: [String: Tensor], captured: [(layer: Int, name: String, tensor: Tensor)]) {
        let shapes = feeds.mapValues(\.shape)
        let profile = try engine.requireProfile(containing: shapes)
        let context = try engine.makeContext(profile: profile)
        try context.setInputShapes(shapes)
        for name in engine.inputNames {
            guard let feed = feeds[name], let b = context.binding(name) else { throw RuntimeError.missingInput(name: name) }
            guard feed.dataType == b.dataType else {
                throw RuntimeError.inputType(input: name, expected: b.dataType, found: feed.dataType)
            }
            try TensorBytes.write(feed, to: b.data)
        }
        let manifest = engine.manifest
        var captured: [(layer: Int, name: String, tensor: Tensor)] = []
        var seen = Set<String>()
        try context.enqueue { index, buffers in
            let layer = manifest.layers[index]
            for (k, buffer) in buffers.enumerated() where k < layer.outputs.count && layer.outputs[k] >= 0 {
                let name = manifest.values[layer.outputs[k]].name
                guard candidates.contains(name), seen.insert(name).inserted else { continue }
                captured.append((index, name, try TensorBytes.read(buffer.data, dataType: buffer.dataType, shape: buffer.shape)))
            }
        }
        var produced: [String: Tensor] = [:]
        for name in engine.outputNames {
            guard let b = context.binding(name) else { throw DebugError.mismatch(tensor: name, reason: "the engine output has no buffer") }
            produced[name] = try TensorBytes.read(b.data, dataType: b.dataType, shape: b.shape)
        }
        return (profile, produced, captured)
    }

    /// Compares two runners' outputs by name (for the ONNX Runtime columns).
    public static func compareOutputs(_ produced: [String: Tensor], _ expected: [String: Tensor], names: [String],
                                      tolerance: Tolerance) throws -> [ComparedTensor] {
        try names.map { name in
            guard let got = produced[name], let want = expected[name] else {
                throw DebugError.mismatch(tensor: name, reason: "missing from one runner's outputs")
            }
            return try compare(name, got, want, tolerance, nil)
        }
    }

    private static func compare(_ name: String, _ got: Tensor, _ want: Tensor, _ tolerance: Tolerance,
                                _ layer: (String, String, String)?) throws -> ComparedTensor {
        let stats = try ErrorStats.compare(got, want, name: name, tolerance: tolerance)
        return ComparedTensor(name: name, layer: layer?.0, plugin: layer?.1, tactic: layer?.2, shape: want.shape,
                              stats: stats, status: stats.passed ? .pass : .fail)
    }

    /// The layer that writes each value, by value name.
    static func producers(_ manifest: EngineManifest) -> [String: Int] {
        var out: [String: Int] = [:]
        for (i, layer) in manifest.layers.enumerated() {
            for v in layer.outputs where v >= 0 { out[manifest.values[v].name] = i }
        }
        return out
    }

    /// A layer's name, its plugin as `LayerNorm@1` (with a foreign domain) and its tactic in `profile`.
    static func describe(_ manifest: EngineManifest, _ index: Int, _ profile: Int) -> (String, String, String) {
        let l = manifest.layers[index]
        let plugin = (l.domain == workbenchDomain || l.domain.isEmpty ? "" : l.domain + "::") + "\(l.plugin)@\(l.version)"
        return (l.name, plugin, profile < l.tactics.count ? l.tactics[profile] : "")
    }
}
