import ArgumentParser
import Foundation
import IR

/// `workbench inspect`: what a model holds, like `polygraphy inspect model`.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarize a model: inputs, outputs, ops, parameters, unsupported ops and graph problems.")

    @Argument(help: ArgumentHelp("The ONNX model to inspect.", valueName: "model.onnx"))
    var model: String

    @Flag(name: .customLong("showNodes"), help: "List every node with its inputs and inferred output types.")
    var showNodes = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        let url = URL(fileURLWithPath: model)
        let loaded = try ModelLoader.load(url, output)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        var typed: Graph?
        var inferenceProblem: String?
        if showNodes {
            // Shape inference (Sources/IR/Inference) types every node output for the node list.
            let clock = ContinuousClock()
            let start = clock.now
            do {
                typed = try ShapeInference.infer(loaded.graph)
            } catch {
                inferenceProblem = "shape inference failed: \(Console.describe(error))"
            }
            output.detail("shape inference took \(Milliseconds(clock.now - start))")
        }
        var summary = ModelSummary(model: loaded, file: model, fileSize: size, typedGraph: typed,
                                   includeNodes: showNodes)
        if let inferenceProblem { summary.problems.append(inferenceProblem) }
        if output.json {
            try Console.printJSON(summary)
        } else {
            print(InspectReport.text(summary))
        }
    }
}
