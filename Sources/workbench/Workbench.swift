import ArgumentParser
import Foundation
import Kernels
import Plan

/// The `workbench` command line: inspect and run ONNX transformer encoders.
///
/// Every error, whether a bad flag or a bad file, prints one line
/// `error: <description>` to stderr and exits with status 1.
@main
struct Workbench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workbench",
        abstract: "Import, inspect and run ONNX transformer encoders on the CPU.",
        discussion: """
            Every command runs on the OpenBLAS kernels the CPU supports best, even when the \
            environment sets OPENBLAS_CORETYPE; choose a core with --blasCoreType <name> (any command) \
            or WORKBENCH_BLAS_CORETYPE. --verbose prints the core that runs.
            """,
        version: PlanFormat.workbenchRelease,
        subcommands: [Inspect.self, Run.self, Score.self, SurgeonCommand.self, Build.self, Compare.self,
                      PluginCommand.self, BLASCommand.self, BenchServer.self])

    /// Parses, runs, and turns every thrown error into one `error:` line.
    ///
    /// ArgumentParser's own error path would print usage text after parse
    /// errors and a debug dump of library errors; this prints their
    /// `description` instead. Help and version requests keep the standard path.
    static func main() {
        // Before anything else: may re-exec the binary so OpenBLAS loads the chosen kernels.
        let arguments = BLASCoreSelection.prepare(Array(CommandLine.arguments.dropFirst()))
        if arguments.contains("--verbose") {
            Console.note("[V] OpenBLAS core: \(BLAS.coreName) (\(BLASCoreSelection.describeRequest()))")
            Console.note("[V] workbench kernels: \(PackedGEMM.isa) (WORKBENCH_ISA=avx2|portable to cap)")
            Console.note("[V] thread pinning: \(ThreadPool.pinning ? "on" : "off") (WORKBENCH_POOL_PIN=0 for off)")
        }
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            Console.fail(message(for: error) + " (see 'workbench help')")
        }
        do {
            try command.run()
        } catch let code as ExitCode {
            // A command that already reported its outcome (e.g. `score` with Bad cells).
            Foundation.exit(code.rawValue)
        } catch {
            // `--help` parses to a help command whose run throws the help request.
            if exitCode(for: error) == .success { exit(withError: error) }
            Console.fail(Console.describe(error))
        }
    }
}
