import ArgumentParser
import Foundation
import IR
import NumPy

/// Where a run's inputs come from: `--loadInputs`, or seeded random values
/// shaped by `--shapes` and ranged by `--valRange`; `--saveInputs` keeps them.
struct InputOptions: ParsableArguments {
    @Option(name: .customLong("loadInputs"),
            help: ArgumentHelp("Read the inputs from an .npz (or one .npy); arrays are matched to inputs by name.",
                               valueName: "inputs.npz"))
    var loadInputs: String?

    @Option(name: .customLong("saveInputs"), help: ArgumentHelp("Write the inputs used to an .npz.", valueName: "inputs.npz"))
    var saveInputs: String?

    @Option(name: .customLong("shapes"),
            help: ArgumentHelp("""
                Input shapes, trtexec style: name:1x16x80,name2:4. Symbolic dims of other inputs that share \
                a symbol are bound from these.
                """, valueName: "spec"))
    var shapes: String?

    @Option(name: .customLong("valRange"),
            help: ArgumentHelp("""
                Value range of a random input, name:lo,hi (repeatable). Defaults: floats in [-1, 1]; \
                integer inputs of rank <= 1 (lengths) in 1...S, S the largest axis-1 size of the other inputs; \
                integer inputs of rank >= 2 (ids, masks) in 0...1; bools 0 or 1.
                """, valueName: "name:lo,hi"))
    var valRange: [String] = []

    @Option(name: .customLong("seed"), help: "Seed of the random inputs.")
    var seed: UInt64 = 0

    func validate() throws {
        if loadInputs != nil && !valRange.isEmpty {
            throw ValidationError("--valRange applies to random inputs; it cannot be used with --loadInputs")
        }
    }

    /// The parsed `--shapes`, empty when not given.
    func shapeSpec() throws -> ShapeSpec {
        guard let shapes else { return ShapeSpec() }
        return try ShapeSpec(parsing: shapes)
    }

    /// The inputs for `graph`, in input order, and a note on where they came from.
    func feeds(for graph: Graph, _ output: OutputOptions) throws -> (NumPyArchive, source: String) {
        let inputs = graph.runtimeInputs
        let spec = try shapeSpec()
        if let loadInputs {
            let url = URL(fileURLWithPath: loadInputs)
            let archive = try NumPy.readArrays(contentsOf: url)
            try spec.check(against: inputs)
            for name in spec.names {
                if let t = archive[name], t.shape != spec.shapes[name] {
                    throw CLIError.shapeMismatch(file: url.relativePath, input: name, given: spec.shapes[name]!, found: t.shape)
                }
            }
            output.detail("read \(archive.count) arrays from \(url.relativePath): \(archive.names.joined(separator: ", "))")
            return (archive, url.relativePath)
        }
        let shapes = try spec.resolve(inputs)
        let generator = RandomInputs(seed: seed, ranges: try RandomInputs.parseRanges(valRange))
        let archive = NumPyArchive(try generator.make(for: inputs, shapes: shapes))
        output.detail("generated random inputs with seed \(seed)")
        return (archive, "random (seed \(seed))")
    }

    /// Writes the inputs to `--saveInputs` when given.
    func save(_ archive: NumPyArchive, _ output: OutputOptions) throws {
        guard let saveInputs else { return }
        try NumPy.writeArchive(archive, to: URL(fileURLWithPath: saveInputs))
        output.detail("saved inputs to \(saveInputs)")
    }
}
