import ArgumentParser
import Foundation
import IR
import Scoring

/// `workbench score`: the encoder part of the hackathon's testEncoderAndDecoder.py.
///
/// For each data file (`encoder-<B>-<T>.npz` holding the inputs and the
/// reference outputs) it runs once and checks the outputs, warms up, times
/// `--iterations` runs, and prints the hackathon's table:
/// `bs, sl, lt (ms), tp (frames/s), a0, r0, a1, r1, check`.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a model on reference data files like the hackathon's testEncoderAndDecoder.py.",
        discussion: """
            Good when a0 < 3.5e-2, r0 < 2e-3 and r1 < 1e-1, where a is the max absolute and r the \
            median relative difference (epsilon 5e-5 for output 0, 1e-5 for output 1). A reference \
            lengths output stored as the mask [B,1,T'] is summed over its last axis first.
            """)

    @Option(name: .customLong("onnx"), help: ArgumentHelp("Score this ONNX model with the reference executor.", valueName: "model.onnx"))
    var onnx: String?

    @Option(name: .customLong("loadEngine"), help: ArgumentHelp("Score this engine plan (each cell runs on the first profile that fits it).", valueName: "engine.plan"))
    var loadEngine: String?

    @Option(name: .customLong("data"), help: ArgumentHelp("""
        A data directory (every <prefix>*.npz in it, ordered by batch then length) or one .npz file; repeatable.
        """, valueName: "dir|file.npz"))
    var data: [String] = []

    @Option(name: .customLong("prefix"), help: "File-name prefix of the data files in a directory.")
    var prefix = "encoder-"

    @Option(name: .customLong("iterations"), help: "Timed runs per cell; the latency is their median.")
    var iterations = 10

    @Option(name: .customLong("warmUp"), help: "Untimed runs per cell before timing.")
    var warmUp = 3

    @Option(name: .customLong("scoreFile"), help: ArgumentHelp("Write the table here (and JSON beside it as .json).", valueName: "score.txt"))
    var scoreFile: String?

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (onnx == nil) != (loadEngine == nil) else {
            throw ValidationError("give the model to score with --onnx or an engine with --loadEngine (one of them)")
        }
        guard !data.isEmpty else { throw ValidationError("give the reference data with --data (a directory or .npz files)") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        guard warmUp >= 0 else { throw ValidationError("--warmUp must be 0 or more, got \(warmUp)") }
    }

    func run() throws {
        try plugins.load(output)
        let (session, label) = try makeSession()
        let files = try dataFiles()
        let scorer = Scorer(iterations: iterations, warmUp: warmUp)
        var rows: [ScoreRow] = []
        let clock = ContinuousClock()
        let start = clock.now
        for (i, file) in files.enumerated() {
            let row = try scorer.score(file: file, session: session)
            rows.append(row)
            Console.note(String(format: "[%d/%d] %@: %.3f ms, %@ (%@ elapsed)", i + 1, files.count,
                                file.lastPathComponent, row.latencyMs, row.good ? "Good" : "Bad",
                                Milliseconds(clock.now - start).description))
        }
        let table = ScoreTable.render(rows)
        let json = try ScoreTable.json(rows, extra: ["model": label, "iterations": String(iterations),
                                                     "warmUp": String(warmUp)])
        if let scoreFile {
            let url = URL(fileURLWithPath: scoreFile)
            try Data((table + "\n").utf8).write(to: url, options: .atomic)
            try Data((json + "\n").utf8).write(to: url.deletingPathExtension().appendingPathExtension("json"), options: .atomic)
            output.detail("wrote \(scoreFile) and its .json")
        }
        print(output.json ? json : table)
        let bad = rows.filter { !$0.good }.count
        if bad > 0 {
            Console.note("score: \(bad) of \(rows.count) cells Bad")
            throw ExitCode(2)
        }
    }

    private func makeSession() throws -> (InferenceSession, String) {
        if let loadEngine {
            return (try EngineSession(contentsOf: URL(fileURLWithPath: loadEngine)), "\(loadEngine) (engine)")
        }
        let url = URL(fileURLWithPath: onnx!)
        let model = try ModelLoader.load(url, output)
        return (try ReferenceSession(graph: model.graph), "\(onnx!) (reference executor)")
    }

    private func dataFiles() throws -> [URL] {
        var files: [URL] = []
        for path in data {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ScoreError.noDataFiles(directory: path, pattern: "(no such file or directory)")
            }
            let url = URL(fileURLWithPath: path)
            files += isDirectory.boolValue ? try Scorer.dataFiles(in: url, prefix: prefix) : [url]
        }
        return files
    }
}
