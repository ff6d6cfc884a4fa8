import ArgumentParser

/// `--json` and `--verbose`, shared by every command.
struct OutputOptions: ParsableArguments {
    @Flag(name: .customLong("json"), help: "Print the result as one JSON object on stdout.")
    var json = false

    @Flag(name: .customLong("verbose"), help: "Print extra detail (timings, sources, per-iteration latency) to stderr.")
    var verbose = false

    /// Prints `message()` to stderr when `--verbose` is on.
    func detail(_ message: @autoclosure () -> String) {
        if verbose { Console.note("[V] " + message()) }
    }
}
