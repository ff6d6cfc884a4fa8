import ArgumentParser
import Builder
import Debugging
import Foundation
import IR
import NumPy
import Plugins
import Runtime

/// `workbench compare`: an engine against the reference executor (and ONNX
/// Runtime) on the same inputs, like `polygraphy run --onnxrt --trt`; with
/// `--mark-all`, every intermediate value that survives fusion, like
/// `--mark all`, reporting the first layer outside the tolerance.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare an engine with the reference executor (and ONNX Runtime), output by output or layer by layer.",
        discussion: """
            The engine is --loadEngine, or built from --onnx at --minShapes/--optShapes/--maxShapes (default: \
            exactly the input shapes). Inputs: --loadInputs or random with --shapes. ONNX Runtime runs through \
            scripts/ort_run.py when python3 can import onnxruntime. With --mark-all every engine value whose \
            name is in the original graph is compared in layer order. Exit status 2 when something is outside \
            --atol/--rtol.
            """)

    @OptionGroup var model: ModelOptions

    @Option(name: .customLong("loadEngine"), help: ArgumentHelp("The engine to compare (built from --onnx).", valueName: "engine.plan"))
    var loadEngine: String?

    @OptionGroup var range: ProfileShapeOptions
    @OptionGroup var inputs: InputOptions

    @Flag(name: .customLong("mark-all"), help: "Compare every intermediate tensor that survives fusion, in layer order.")
    var markAll = false

    @Flag(name: .customLong("onnxrt"), inversion: .prefixedNo, help: "Also compare with ONNX Runtime when python3 has it.")
    var onnxrt = true

    @Option(name: .customLong("threads"), help: "Threads of an engine built here.")
    var threads = 1

    @OptionGroup var tolerance: ToleranceOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if loadEngine != nil && range.isGiven {
            throw ValidationError("--minShapes/--optShapes/--maxShapes build an engine; they cannot be used with --loadEngine")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        try plugins.load(output)
        let report = try makeReport(registry: .shared)
        if output.json { try DebugFormat.printJSON(report) } else { print(Self.text(report, markAll: markAll)) }
        if !report.passed { throw ExitCode(2) }
    }

    /// Everything but printing, with `registry`'s plugins.
    func makeReport(registry: PluginRegistry) throws -> EngineComparisonReport {
        let graph = try model.load(output).graph
        let (loaded, _) = try inputs.feeds(for: graph, output)
        let names = graph.runtimeInputs.map(\.name)
        let feeds = NumPyArchive(names.compactMap { n in loaded[n].map { (n, $0) } })
        try inputs.save(feeds, output)
        let engine = try loadEngine.map { try Engine(contentsOf: URL(fileURLWithPath: $0), registry: registry) }
            ?? build(graph, shapes: feeds.arrays.mapValues(\.shape), registry: registry)
        let (ort, note) = try onnxRuntimeOutputs(feeds)
        var report = try EngineComparison.run(graph: graph, engine: engine, feeds: feeds.arrays, tolerance: tolerance.tolerance,
                                              markAll: markAll, registry: registry, onnxRuntime: ort)
        report.onnxRuntimeNote = note
        return report
    }

    private func build(_ graph: Graph, shapes: [String: [Int]], registry: PluginRegistry) throws -> Engine {
        let inputs = graph.runtimeInputs
        let range = try self.range.profile(for: inputs) ?? ShapeProfile(fixed: shapes)
        try range.check(shapes)
        var profile = OptimizationProfile()
        for info in inputs {
            guard let a = range.min[info.name], let b = range.opt[info.name], let c = range.max[info.name] else { continue }
            profile.setDimensions(info.name, min: a, opt: b, max: c)
        }
        let verbose = output.verbose
        let config = BuilderConfig(profiles: [profile], threads: threads, timingIterations: 1,
                                   log: { line in if verbose { Console.note("[V] " + line) } })
        output.detail("building an engine from \(model.onnx)")
        return try Builder(config, registry: registry).build(graph).makeEngine()
    }

    /// ONNX Runtime's outputs, or nil and why it did not run.
    private func onnxRuntimeOutputs(_ feeds: NumPyArchive) throws -> ([String: Tensor]?, String?) {
        guard onnxrt else { return (nil, "skipped (--no-onnxrt)") }
        if let reason = OnnxRuntimeRunner.unavailableReason() { return (nil, "skipped: \(reason)") }
        output.detail("running ONNX Runtime through \(OnnxRuntimeRunner.script.path)")
        return (try OnnxRuntimeRunner.run(model: model.onnx, feeds: feeds), nil)
    }

    /// The table `compare` prints.
    static func text(_ r: EngineComparisonReport, markAll: Bool) -> String {
        var lines = ["tolerance: atol \(r.tolerance.atol) rtol \(r.tolerance.rtol); engine profile \(r.profile)"]
        func rows(_ title: String, _ list: [ComparedTensor], layers: Bool) -> String {
            var rows = [[title] + (layers ? ["layer", "plugin", "tactic"] : []) + ["shape", "max abs", "max rel", "outside", "result"]]
            for t in list {
                rows.append([t.name] + (layers ? [t.layer ?? "-", t.plugin ?? "-", t.tactic ?? "-"] : [])
                            + [DebugFormat.dims(t.shape), DebugFormat.error(t.stats?.maxAbs), DebugFormat.error(t.stats?.maxRel),
                               t.stats.map { String($0.violations) } ?? "-", t.status.rawValue + (t.note.map { " (\($0))" } ?? "")])
            }
            return DebugFormat.table(rows)
        }
        lines.append(rows("engine vs reference", r.outputs, layers: false))
        if let e = r.engineVsOnnxRuntime, let ref = r.referenceVsOnnxRuntime {
            lines.append(rows("engine vs onnxruntime", e, layers: false))
            lines.append(rows("reference vs onnxruntime", ref, layers: false))
        } else {
            lines.append("onnxruntime: \(r.onnxRuntimeNote ?? "skipped")")
        }
        if markAll {
            lines.append(rows("marked value (\(r.layers.count))", r.layers, layers: true))
        }
        if let f = r.firstFailure {
            lines.append("FAILED: first value outside tolerance: '\(f.name)' from layer \(f.layer ?? "-") [\(f.plugin ?? "-"), "
                         + "tactic \(f.tactic ?? "-")], max abs \(DebugFormat.error(f.stats?.maxAbs)), \(f.stats?.violations ?? 0) elements outside")
        } else {
            lines.append(r.passed ? "PASSED" : "FAILED")
        }
        return lines.joined(separator: "\n")
    }
}
