import ArgumentParser
import Foundation
import IR
import ONNX
import Passes
import Plugins

/// `workbench surgeon`: folds constants and fuses subgraphs into plugin nodes,
/// like `polygraphy surgeon sanitize` followed by the builder's fusions.
struct SurgeonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "surgeon",
        abstract: "Rewrite a model: fold constants and shape subgraphs, fuse LayerNorm, GELU, Linear, ... into plugin nodes.")

    @Argument(help: ArgumentHelp("The ONNX model to rewrite.", valueName: "model.onnx"))
    var model: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the rewritten graph here (plugin nodes in domain com.workbench).",
                                                    valueName: "out.onnx"))
    var output: String?

    @Flag(name: .customLong("fold-constants"), help: "Fold constant and shape subgraphs into initializers.")
    var foldConstants = false

    @Option(name: .customLong("fuse"), help: ArgumentHelp("Fusions to run: all, none, or a comma-separated list of \(Passes.Surgeon.fusionNames.joined(separator: ", ")).",
                                                          valueName: "list"))
    var fuse: String?

    @Flag(name: .customLong("report"), help: "Print what each pass matched and how many nodes remain.")
    var report = false

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var out: OutputOptions

    /// The fusion set `--fuse` names (nil = all; no `--fuse` and no `--fold-constants` also means all).
    func fusions() throws -> Set<String>? {
        guard let fuse else { return foldConstants ? [] : nil }
        let names = fuse.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if names == ["all"] { return nil }
        if names == ["none"] { return [] }
        for n in names where !Passes.Surgeon.fusionNames.contains(n) {
            throw ValidationError("unknown fusion '\(n)' (known: all, none, \(Passes.Surgeon.fusionNames.joined(separator: ", ")))")
        }
        return Set(names)
    }

    /// `--fuse` may name a loaded plugin's pass, so with `--plugins` the names are checked in `run`.
    func validate() throws { if plugins.plugins.isEmpty { _ = try fusions() } }

    func run() throws {
        try plugins.load(out)
        let url = URL(fileURLWithPath: model)
        var loaded = try ModelLoader.load(url, out)
        // Fusions check their operands are constant, so folding always runs with them.
        let options = SurgeonOptions(foldConstants: true, fuse: try fusions())
        let clock = ContinuousClock()
        let start = clock.now
        let (graph, result) = try Passes.Surgeon.run(loaded.graph, options: options)
        out.detail("surgery took \(Milliseconds(clock.now - start))")
        loaded.graph = graph
        // Plugin nodes' domains (com.workbench and any loaded plugin's) need an opset import.
        for domain in Set(graph.nodes.map(\.domain)) where !domain.isEmpty && domain != "ai.onnx"
            && loaded.graph.opsetImports[domain] == nil && PluginRegistry.shared.all.contains(where: { $0.domain == domain }) {
            loaded.graph.opsetImports[domain] = 1
        }
        if let output {
            try ONNXExporter().write(loaded, to: URL(fileURLWithPath: output))
            out.detail("wrote \(output)")
        }
        if out.json {
            try Console.printJSON(result)
        } else if report || output == nil {
            print(result)
        }
    }
}
