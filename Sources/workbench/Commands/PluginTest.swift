import ArgumentParser
import Debugging
import Foundation
import IR
import Plugins

/// `workbench plugin`: plugin development tools.
struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin", abstract: "Plugin development tools.", subcommands: [PluginTest.self])
}

/// `workbench plugin test`: a plugin against the subgraph it replaces, on
/// random inputs over the shapes of a profile range.
///
/// The subgraph is an ONNX file (`--subgraph`) or nodes of a model
/// (`--onnx --nodes`). The plugin goes in by the surgeon's fusion, or, with
/// `--attribute`, as one node that replaces the whole subgraph. Exit status 2
/// when a shape is outside `--atol/--rtol`.
struct PluginTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Test a plugin against the subgraph it replaces over a range of shapes.",
        discussion: """
            Shapes: min, opt and max of --minShapes/--optShapes/--maxShapes, then --samples seeded draws in \
            between (the first with every varying dim odd), then each --shapes. Per shape it prints the max \
            absolute and relative error of every output and the median time of the plugin side and the \
            reference side. Example: workbench plugin test --plugin GLU --onnx wenet.onnx \
            --nodes Split_197,Sigmoid_198,Mul_199 --minShapes onnx::Split_405:1x64x1 \
            --optShapes onnx::Split_405:4x64x16 --maxShapes onnx::Split_405:8x64x64
            """)

    @Option(name: .customLong("plugin"), help: ArgumentHelp("The plugin under test: its op type, or domain::Name.", valueName: "name"))
    var plugin: String

    @Option(name: .customLong("subgraph"), help: ArgumentHelp("The subgraph the plugin replaces, as an ONNX file.", valueName: "sub.onnx"))
    var subgraph: String?

    @Option(name: .customLong("onnx"), help: ArgumentHelp("A model to take the subgraph from (with --nodes).", valueName: "model.onnx"))
    var onnx: String?

    @Option(name: .customLong("nodes"), help: ArgumentHelp("Comma-separated names of the subgraph's nodes in --onnx.", valueName: "A,B,C"))
    var nodes: String?

    @OptionGroup var range: ProfileShapeOptions

    @Option(name: .customLong("shapes"), help: ArgumentHelp("More shapes to test, inside the range (repeatable).", valueName: "spec"))
    var shapes: [String] = []

    @Option(name: .customLong("samples"), help: "Random shapes drawn between min and max (the first with odd dims).")
    var samples = 3

    @Option(name: .customLong("attribute"), help: ArgumentHelp("""
        Put the plugin in as one node with this attribute instead of fusing (repeatable; NAME=VALUE, \
        VALUE an integer, float, [list] or string).
        """, valueName: "name=value"))
    var attribute: [String] = []

    @Option(name: .customLong("pluginInputs"), help: ArgumentHelp("""
        Inputs of that node: subgraph inputs or initializers (default: the subgraph's inputs).
        """, valueName: "a,b"))
    var pluginInputs: String?

    @Option(name: .customLong("tactic"), help: "Run the plugin with this tactic (default: its first for each shape).")
    var tactic: String?

    @Option(name: .customLong("seed"), help: "Seed of the random inputs and shapes.")
    var seed: UInt64 = 0

    @Option(name: .customLong("iterations"), help: "Timed runs of each side per shape (the median counts).")
    var iterations = 3

    @Option(name: .customLong("threads"), help: "Threads of the plugin's kernel.")
    var threads = 1

    @OptionGroup var tolerance: ToleranceOptions
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (subgraph == nil) != (onnx == nil) else {
            throw ValidationError("give the subgraph with --subgraph or take it from a model with --onnx and --nodes (one of them)")
        }
        guard (onnx == nil) == (nodes == nil) else { throw ValidationError("--onnx and --nodes go together") }
        guard samples >= 0, iterations >= 1, threads >= 1 else {
            throw ValidationError("--samples must be 0 or more, --iterations and --threads at least 1")
        }
        if pluginInputs != nil && attribute.isEmpty {
            throw ValidationError("--pluginInputs applies to a plugin node given with --attribute")
        }
    }

    func run() throws {
        try plugins.load(output)
        let report = try makeReport(registry: .shared)
        if output.json { try DebugFormat.printJSON(report) } else { print(Self.text(report)) }
        if !report.passed { throw ExitCode(2) }
    }

    /// Everything but printing: the report for `registry`'s plugins.
    func makeReport(registry: PluginRegistry) throws -> PluginTestReport {
        let graph = try loadSubgraph()
        let inputs = graph.runtimeInputs
        let profile = try range.profile(for: inputs) ?? fixedProfile(inputs)
        let extra = try shapes.map { try ShapeSpec(parsing: $0).resolve(inputs) }
        for s in extra { try profile.check(s) }
        let all = try profile.samples(for: inputs, random: samples, seed: seed)
            + extra.map { ShapeSample(label: "given", shapes: $0) }
        let tester = try PluginTester(subgraph: graph, plugin: plugin, placement: try placement(),
                                      registry: registry, dimRanges: dimRanges(profile, inputs), threads: threads)
        output.detail("plugin nodes: \(tester.pluginNodes.joined(separator: ", ")); reference: \(graph.nodes.count) nodes")
        return try tester.test(all, seed: seed, iterations: iterations, tolerance: tolerance.tolerance, tactic: tactic) { c in
            output.detail("\(c.label) \(DebugFormat.shapes(c.shapes, order: inputs.map(\.name))): \(c.passed ? "pass" : "FAIL")")
        }
    }

    private func loadSubgraph() throws -> Graph {
        if let subgraph { return try ModelLoader.load(URL(fileURLWithPath: subgraph), output).graph }
        let model = try ModelLoader.load(URL(fileURLWithPath: onnx!), output)
        let names = nodes!.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return try SubgraphExtractor.extract(model.graph, nodes: names)
    }

    private func placement() throws -> PluginPlacement {
        guard !attribute.isEmpty else { return .fusion }
        var attributes: [String: Attribute] = [:]
        for entry in attribute {
            let (name, value) = try DebugFormat.attribute(entry)
            attributes[name] = value
        }
        let inputs = pluginInputs.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return .node(attributes: attributes, inputs: inputs)
    }

    /// Without a range, the declared shapes, which must then be static.
    private func fixedProfile(_ inputs: [ValueInfo]) throws -> ShapeProfile {
        var shapes: [String: [Int]] = [:]
        for info in inputs {
            guard let sizes = info.type?.shape?.staticSizes else { throw DebugError.untypedInput(info.name) }
            shapes[info.name] = sizes
        }
        return ShapeProfile(fixed: shapes)
    }

    /// Symbol ranges for the surgeon, from the inputs' declared symbols.
    private func dimRanges(_ profile: ShapeProfile, _ inputs: [ValueInfo]) -> [String: ClosedRange<Int>] {
        var out: [String: ClosedRange<Int>] = [:]
        for info in inputs {
            guard let dims = info.type?.shape?.dims, let lo = profile.min[info.name], let hi = profile.max[info.name] else { continue }
            for (d, dim) in dims.enumerated() where d < lo.count {
                if case .symbol(let s) = dim { out[s] = lo[d]...hi[d] }
            }
        }
        return out
    }

    /// The table `plugin test` prints.
    static func text(_ r: PluginTestReport) -> String {
        var rows = [["shape", "inputs", "output", "max abs", "max rel", "outside", "plugin ms", "ref ms", "tactic", "result"]]
        for c in r.cases {
            for (k, o) in c.outputs.enumerated() {
                rows.append([k == 0 ? c.label : "", k == 0 ? DebugFormat.shapes(c.shapes, order: r.inputs) : "", o.name,
                             DebugFormat.error(o.stats.maxAbs), DebugFormat.error(o.stats.maxRel), String(o.stats.violations),
                             k == 0 ? String(format: "%.3f", c.pluginMs) : "", k == 0 ? String(format: "%.3f", c.referenceMs) : "",
                             k == 0 ? c.tactics.joined(separator: ",") : "",
                             o.stats.passed ? "pass" : "FAIL" + (o.worst.map { " at [\($0.map(String.init).joined(separator: ", "))]" } ?? "")])
            }
        }
        var lines = ["plugin \(r.plugin) (nodes: \(r.pluginNodes.joined(separator: ", "))) against \(r.referenceNodes) reference nodes, "
                     + "atol \(r.tolerance.atol) rtol \(r.tolerance.rtol)", DebugFormat.table(rows)]
        let failed = r.failures
        lines.append(failed.isEmpty ? "PASSED: \(r.cases.count) shapes within tolerance"
                     : "FAILED: \(failed.count) of \(r.cases.count) shapes outside tolerance (\(failed.map(\.label).joined(separator: ", ")))")
        return lines.joined(separator: "\n")
    }
}
