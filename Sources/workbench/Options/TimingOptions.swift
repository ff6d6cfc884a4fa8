import ArgumentParser

/// `--iterations` and `--warmUp`, trtexec's timing flags.
struct TimingOptions: ParsableArguments {
    @Option(name: .customLong("iterations"), help: "Timed runs; the latency reported is their median.")
    var iterations = 1

    @Option(name: .customLong("warmUp"), help: "Untimed runs before the timed ones.")
    var warmUp = 0

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        guard warmUp >= 0 else { throw ValidationError("--warmUp must be 0 or more, got \(warmUp)") }
    }
}
