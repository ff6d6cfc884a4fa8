import Foundation
import IR
import Kernels
import Passes
import Plan
import Plugins
import Runtime

/// Builds an engine from a graph, like TensorRT's `IBuilder`:
///
/// 1. checks the config's profiles against the graph's inputs;
/// 2. runs the surgeon (folding, shape folding, dead code, fusions);
/// 3. lowers every node to a layer (``Lowering``): constants fold, shape
///    subgraphs become shape-stage layers, the rest get kernels;
/// 4. checks each value's symbolic shape against layer-by-layer inference at
///    every profile's min, opt and max shapes (dropping any that disagree);
/// 5. chooses each layer's tactic by timing at the profile's opt shapes;
/// 6. plans memory per profile (``MemoryPlanner``).
///
/// The product, a ``BuiltEngine``, is written as a plan or run in memory.
public final class Builder {
    public let config: BuilderConfig
    public let registry: PluginRegistry

    public init(_ config: BuilderConfig, registry: PluginRegistry = .shared) {
        self.config = config
        self.registry = registry
        LayerCatalog.register(in: registry)
    }

    private func log(_ message: @autoclosure () -> String) { config.log?(message()) }

    /// Builds the engine for `graph`.
    public func build(_ graph: Graph) throws -> BuiltEngine {
        let clock = ContinuousClock()
        let start = clock.now
        let profiles = try ProfileValidation.check(config, graph: graph)
        let (optimized, report) = try Surgeon.run(graph, options: SurgeonOptions(
            fuse: config.fusions, plugins: registry, dimRanges: ProfileValidation.dimRanges(profiles, graph: graph)))
        log("surgeon: \(report.nodesBefore) nodes -> \(report.nodesAfter) nodes")
        let lowered = try Lowering(optimized, registry: registry)
        log("lowered to \(lowered.layers.count) layers (\(lowered.layers.filter { $0.stage == "shape" }.count) shape-stage), "
            + "\(lowered.foldedNodes) nodes folded")
        if !lowered.referenceLayers.isEmpty {
            log("\(lowered.referenceLayers.count) layers run through the reference kernels: "
                + lowered.referenceLayers.joined(separator: ", "))
        }
        var manifest = EngineManifest(
            schema: EngineManifest.currentSchema, workbenchVersion: PlanFormat.workbenchVersion, graphName: graph.name,
            opset: optimized.opset, precision: config.precision.rawValue, threads: config.threads,
            inputs: optimized.runtimeInputs.map { io(lowered, $0) }, outputs: optimized.outputs.map { io(lowered, $0) },
            values: lowered.values,
            layers: lowered.layers.map { var l = $0; l.tactics = profiles.map { _ in "" }; l.tacticMs = profiles.map { _ in nil }; return l },
            profiles: profiles.map { ManifestProfile(inputs: $0, arenaBytes: 0, naiveBytes: 0, workspaceBytes: 0, offsets: [], capacities: []) },
            plugins: [])
        let store = BuilderWeightStore(lowered.weights)
        // Expressions first: check them against inference, drop those that disagree.
        var program = try EngineProgram(manifest: manifest, weights: store, registry: registry, file: graph.name)
        let resolutions = try resolveAll(program, profiles)
        manifest.values = checkExpressions(program, resolutions)
        program = try EngineProgram(manifest: manifest, weights: store, registry: registry, file: graph.name)
        BLAS.threads = config.threads  // tactics are timed with the threads contexts will use
        var selector = TacticSelector(program: program, config: config)
        for (p, sets) in resolutions.enumerated() {
            for (i, layer) in manifest.layers.enumerated() where layer.stage == "run" {
                let (tactic, ms) = try selector.choose(layer: i, at: sets[1])
                manifest.layers[i].tactics[p] = tactic
                manifest.layers[i].tacticMs[p] = ms
                log("profile \(p) layer \(layer.name) [\(layer.plugin)]: \(tactic)" + (ms.map { String(format: " %.4f ms", $0) } ?? "")
                    + (selector.lastCandidates.count > 1 ? " of " + selector.lastCandidates.joined(separator: ", ") : ""))
                guard ms != nil, config.tacticShapes == .minOptMax else { continue }
                let buckets = try selector.buckets(layer: i, sets: sets, opt: (tactic, ms))
                if !buckets.isEmpty {
                    if manifest.layers[i].tacticBuckets == nil { manifest.layers[i].tacticBuckets = profiles.map { _ in [] } }
                    manifest.layers[i].tacticBuckets?[p] = buckets
                    log("profile \(p) tactics of \(layer.name) by output size: " + buckets.map { b in
                        "\(b.tactic) up to \(b.upTo == Int.max ? "max" : String(b.upTo))" }.joined(separator: ", "))
                }
            }
            for (i, layer) in manifest.layers.enumerated() where layer.stage == "shape" { manifest.layers[i].tactics[p] = "reference" }
        }
        program = try EngineProgram(manifest: manifest, weights: store, registry: registry, file: graph.name)
        try planMemory(&manifest, program, resolutions)
        manifest.plugins = Array(Set(manifest.layers.map { ManifestPlugin(name: $0.plugin, domain: $0.domain, version: $0.version) }))
            .sorted { ($0.domain, $0.name) < ($1.domain, $1.name) }
        program = try EngineProgram(manifest: manifest, weights: store, registry: registry, file: graph.name)
        let seconds = Self.seconds(clock.now - start)
        log(String(format: "built in %.2f s (%d tactic measurements, %d from the timing cache)", seconds,
                   selector.measurements, config.timingCache?.hits ?? 0))
        return BuiltEngine(program: program, weights: lowered.weights, surgeonReport: report,
                           measurements: selector.measurements, buildSeconds: seconds,
                           referenceLayers: lowered.referenceLayers)
    }

    private func io(_ lowered: Lowering, _ info: ValueInfo) -> ManifestIO {
        let v = lowered.index[info.name] ?? 0
        let value = lowered.values[v]
        return ManifestIO(name: info.name, value: v, dataType: value.dataType,
                          shape: info.type?.shape?.dims.map(\.description) ?? value.shape ?? [])
    }

    /// Min, opt and max resolutions per profile (layer-by-layer inference, no expressions).
    private func resolveAll(_ program: EngineProgram, _ profiles: [[String: ManifestShapeRange]]) throws -> [[ShapeResolution]] {
        try profiles.enumerated().map { p, ranges in
            try [("min", \ManifestShapeRange.min), ("opt", \.opt), ("max", \.max)].map { which, path in
                do {
                    return try program.resolve(ranges.mapValues { $0[keyPath: path] }, useExpressions: false)
                } catch {
                    throw BuilderError.shapes(profile: p, which: which, reason: "\(error)")
                }
            }
        }
    }

    /// The values with each shape expression kept only when it evaluates to the inferred shape everywhere.
    private func checkExpressions(_ program: EngineProgram, _ resolutions: [[ShapeResolution]]) -> [ManifestValue] {
        var values = program.manifest.values
        for (i, v) in values.enumerated() where v.storage == .activation || v.storage == .shapeTime {
            guard let exprs = v.shape?.map({ DimExpr(Dim.symbol($0)) }) else { continue }
            for sets in resolutions {
                for r in sets {
                    let symbols = (try? program.bindings(inputShapes(r, program))) ?? [:]
                    let evaluated = exprs.map { $0.evaluate(symbols) }
                    if evaluated.contains(where: { $0 == nil }) || evaluated.map({ $0! }) != r.shapes[i] {
                        values[i].shape = nil
                    }
                }
            }
            if values[i].shape == nil { log("shape of '\(v.name)' is inferred at setInputShapes (its expression \(v.shape!) disagrees)") }
        }
        return values
    }

    private func inputShapes(_ r: ShapeResolution, _ program: EngineProgram) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for io in program.manifest.inputs { out[io.name] = r.shapes[io.value] }
        return out
    }

    /// Offsets and capacities per profile; aliases (profile-independent) into the values.
    private func planMemory(_ manifest: inout EngineManifest, _ program: EngineProgram,
                            _ resolutions: [[ShapeResolution]]) throws {
        let shares = manifest.layers.enumerated().map { i, layer -> Bool in
            if layer.plugin == AliasLayer.name && layer.domain == engineDomain { return true }
            guard let standard = program.plugins[i] as? any StandardLayer, standard.allowsInPlace,
                  let a = layer.inputs.first, let y = layer.outputs.first, a >= 0, y >= 0,
                  let sa = manifest.values[a].shape, sa == manifest.values[y].shape else { return false }
            return true
        }
        let outputs = Set(manifest.outputs.map(\.value))
        for (p, sets) in resolutions.enumerated() {
            var bytes = [Int](repeating: 0, count: manifest.values.count)
            for r in sets {
                for (i, shape) in r.shapes.enumerated() {
                    guard let shape else { continue }
                    bytes[i] = max(bytes[i], Shapes.count(shape) * program.dataTypes[i].byteSize)
                }
            }
            let planner = MemoryPlanner(bytes: bytes, sharesInput: shares, values: manifest.values,
                                        layers: manifest.layers, graphOutputs: outputs)
            let result = planner.plan()
            var workspace = 0
            for (i, layer) in manifest.layers.enumerated() where layer.stage == "run" {
                let tactics = Set([layer.tactics[p]] + (layer.tacticBuckets.map { p < $0.count ? $0[p].map(\.tactic) : [] } ?? []))
                for r in sets {
                    let shapes = layer.inputs.map { $0 >= 0 ? r.shapes[$0] ?? [] : [] }
                    for tactic in tactics {
                        workspace = max(workspace, program.plugins[i].workspaceSize(inputShapes: shapes, tactic: tactic))
                    }
                }
            }
            manifest.profiles[p].offsets = result.offsets
            manifest.profiles[p].capacities = result.capacities
            manifest.profiles[p].arenaBytes = result.arenaBytes
            manifest.profiles[p].naiveBytes = result.naiveBytes
            manifest.profiles[p].workspaceBytes = workspace
            for (i, a) in result.aliasOf.enumerated() { manifest.values[i].aliasOf = a }
            log("profile \(p): arena \(result.arenaBytes) bytes vs \(result.naiveBytes) naive, workspace \(workspace) bytes")
        }
    }

    static func seconds(_ d: Duration) -> Double {
        let (s, atto) = d.components
        return Double(s) + Double(atto) * 1e-18
    }
}

/// Weights held in memory during a build, as aligned buffers.
final class BuilderWeightStore: WeightStore, @unchecked Sendable {
    // @unchecked: buffers are written once in init and only read after.
    private let buffers: [Int: UnsafeMutableRawPointer]

    init(_ weights: [Int: Tensor]) {
        var buffers: [Int: UnsafeMutableRawPointer] = [:]
        for (i, t) in weights { buffers[i] = try? TensorBytes.copyOut(t) }
        self.buffers = buffers
    }

    deinit { for b in buffers.values { b.deallocate() } }

    func pointer(for value: Int) -> UnsafeRawPointer? { buffers[value].map { UnsafeRawPointer($0) } }
}
