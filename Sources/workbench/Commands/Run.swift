import ArgumentParser
import Foundation
import IR
import NumPy
import Plugins
import Reference

/// `workbench run`: runs a model with the reference executor, like
/// `polygraphy run --onnxrt --save-inputs --save-outputs`, or an engine plan
/// with `--loadEngine`, like `trtexec --loadEngine` (see Run+Engine.swift).
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model (reference executor) or an engine plan and print output statistics and latency.",
        discussion: """
            Inputs are read with --loadInputs (matched by name) or generated from the model's input \
            types with a seed; symbolic dims come from --shapes. Outputs print as name, dtype, shape, \
            mean, std, min and max; --exportOutput writes them to an .npz.
            """)

    @Option(name: .customLong("onnx"), help: ArgumentHelp("The ONNX model to run with the reference executor.", valueName: "model.onnx"))
    var onnx: String?

    @Option(name: .customLong("loadEngine"), help: ArgumentHelp("Run this engine plan instead of an ONNX model.", valueName: "engine.plan"))
    var loadEngine: String?

    @Option(name: .customLong("profile"), help: "The engine's optimization profile (default: the first that fits the shapes).")
    var profile: Int?

    @Flag(name: .customLong("dumpProfile"), help: "Print the time per layer over the timed runs (engines only).")
    var dumpProfile = false

    @OptionGroup var inputs: InputOptions

    @Option(name: .customLong("exportOutput"), help: ArgumentHelp("Write the outputs to an .npz.", valueName: "outputs.npz"))
    var exportOutput: String?

    @OptionGroup var timing: TimingOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (onnx == nil) != (loadEngine == nil) else {
            throw ValidationError("give the model with --onnx or an engine with --loadEngine (one of them)")
        }
        if loadEngine == nil && (dumpProfile || profile != nil) {
            throw ValidationError("--dumpProfile and --profile apply to engines (--loadEngine)")
        }
    }

    func run() throws {
        try plugins.load(output)
        if let loadEngine { return try runEngine(loadEngine) }
        let onnx = self.onnx!
        let loaded = try ModelLoader.load(URL(fileURLWithPath: onnx), output)
        let graph = loaded.graph
        // Plugin nodes (a surgeon's output) run through their registered plugins' kernels.
        let executor = try ReferenceExecutor(graph: graph, customKernels: PluginRegistry.shared.referenceKernel(for:))
        let (feeds, source) = try inputs.feeds(for: graph, output)
        try inputs.save(feeds, output)
        do {
            try executor.checkFeeds(feeds.arrays)
        } catch let error as ReferenceError where inputs.loadInputs != nil {
            throw CLIError.inputs(file: source, reason: error.description)
        }
        let (results, latencies) = try execute(executor, feeds.arrays)
        let outputs = NumPyArchive(graph.outputs.compactMap { o in results[o.name].map { (o.name, $0) } })
        if let exportOutput {
            try NumPy.writeArchive(outputs, to: URL(fileURLWithPath: exportOutput))
            output.detail("wrote \(outputs.count) outputs to \(exportOutput)")
        }
        let report = RunReport(model: onnx, inputSource: source, inputs: feeds, outputs: outputs,
                               latencies: latencies, warmUp: timing.warmUp,
                               savedInputs: inputs.saveInputs, exportedOutputs: exportOutput)
        if output.json { try Console.printJSON(report) } else { print(report.text) }
    }

    /// Warm-up runs, then timed runs; returns the last outputs and each timed run's latency.
    private func execute(_ executor: ReferenceExecutor, _ feeds: [String: Tensor]) throws -> ([String: Tensor], [Duration]) {
        let clock = ContinuousClock()
        for i in 0..<timing.warmUp {
            let elapsed = try clock.measure { _ = try executor.run(feeds) }
            output.detail("warm-up \(i + 1): \(Milliseconds(elapsed))")
        }
        var results: [String: Tensor] = [:]
        var latencies: [Duration] = []
        for i in 0..<timing.iterations {
            let start = clock.now
            results = try executor.run(feeds)
            latencies.append(clock.now - start)
            output.detail("iteration \(i + 1): \(Milliseconds(latencies[i]))")
        }
        return (results, latencies)
    }
}
