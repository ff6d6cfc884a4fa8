import ArgumentParser
import Passes
import Plugins

/// `--plugins lib.so` (repeatable): plugin libraries to load before anything else.
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugins"),
            help: ArgumentHelp("""
                Load a plugin library (a Swift package's dynamic library exporting \
                workbench_register_plugins) and register its plugins and passes (repeatable).
                """, valueName: "lib.so"))
    var plugins: [String] = []

    /// Loads every library in order into the shared registries; under
    /// `--verbose` lists what each registered.
    func load(_ output: OutputOptions) throws {
        for path in plugins {
            let lines = try PluginLoader.load(path, plugins: .shared, passes: PassRegistry.shared)
            output.detail("loaded \(path): \(lines.isEmpty ? "registered nothing" : lines.joined(separator: ", "))")
        }
    }
}
