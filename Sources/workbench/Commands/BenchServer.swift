import ArgumentParser
import Foundation
import IR
import Kernels
import NumPy
import Runtime

/// `workbench bench-server`: keeps one engine loaded and times inference on
/// request, so a benchmark driver can time the workbench the way it times
/// in-process runtimes (clock around the inference call only).
///
/// The protocol is one JSON object per line. On start the server prints a
/// ready line with the engine's inputs, outputs and the OpenBLAS core that
/// runs. Each request line
///
///     {"inputs": "cell.npz", "iterations": 10, "warmUp": 2, "saveOutputs": "out.npz"}
///
/// (`warmUp`, `saveOutputs` and `profile` optional) is answered with one line
/// `{"ok": true, "profile": 0, "timesMs": [...], "medianMs": ..., "maxResidentBytes": ...}`,
/// or `{"ok": false, "error": "..."}` when the request fails; the server keeps
/// serving. It ends at end of input or on `{"quit": true}`.
struct BenchServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-server",
        abstract: "Serve timing requests for an engine plan over a JSON line protocol (for benchmarks/).",
        discussion: """
            Reads requests {"inputs": "x.npz", "iterations": n, "warmUp": w, "saveOutputs": "y.npz"} \
            one per line on stdin and answers each with one JSON line on stdout holding the time of \
            every timed iteration in milliseconds. Arrays in the .npz that are not engine inputs \
            (reference outputs) are ignored.
            """)

    @Option(name: .customLong("loadEngine"), help: ArgumentHelp("The engine plan to serve.", valueName: "engine.plan"))
    var loadEngine: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        let engine = try Engine(contentsOf: URL(fileURLWithPath: loadEngine))
        let session = BenchSession(engine: engine)
        try BenchServer.reply(BenchReady(engine: engine, plan: loadEngine))
        while let line = readLine(strippingNewline: true) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let request: BenchRequest
            do {
                request = try JSONDecoder().decode(BenchRequest.self, from: Data(line.utf8))
            } catch {
                try BenchServer.reply(BenchFailure(error: "request is not valid JSON: \(Console.oneLine(String(describing: error)))"))
                continue
            }
            if request.quit == true { break }
            do {
                let result = try session.serve(request)
                output.detail("\(request.inputs ?? "-"): median \(String(format: "%.3f", result.medianMs)) ms")
                try BenchServer.reply(result)
            } catch {
                try BenchServer.reply(BenchFailure(error: Console.oneLine(Console.describe(error))))
            }
        }
    }

    /// Prints one compact JSON line and flushes it at once (stdout is a pipe).
    static func reply<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// One timing request of the bench-server protocol.
struct BenchRequest: Decodable {
    var inputs: String?
    var iterations: Int?
    var warmUp: Int?
    var saveOutputs: String?
    var profile: Int?
    var quit: Bool?
}

/// The first line the server prints.
struct BenchReady: Encodable {
    var ready = true
    var plan: String
    var inputs: [String]
    var outputs: [String]
    var profiles: Int
    var threads: Int
    var blasCore: String
    var blasConfig: String
    /// The instruction set of the workbench's own kernels (``PackedGEMM/isa``).
    var kernelISA: String
    /// Whether the pool pins its threads and the caller to CPUs (``ThreadPool/pinning``).
    var threadPinning: Bool

    init(engine: Engine, plan: String) {
        self.plan = plan
        inputs = engine.inputNames
        outputs = engine.outputNames
        profiles = engine.profileCount
        threads = engine.manifest.threads
        blasCore = BLAS.coreName
        blasConfig = BLAS.config
        kernelISA = PackedGEMM.isa
        threadPinning = ThreadPool.pinning
    }
}

/// A request's answer.
struct BenchResult: Encodable {
    var ok = true
    var inputs: String
    var profile: Int
    var timesMs: [Double]
    var medianMs: Double
    var savedOutputs: String?
    /// The server's peak resident set so far (`getrusage` `ru_maxrss`).
    var maxResidentBytes: Int
}

/// A failed request's answer.
struct BenchFailure: Encodable {
    var ok = false
    var error: String
}

/// The server's state: the engine and one execution context per profile, reused across requests.
final class BenchSession {
    let engine: Engine
    private var contexts: [Int: ExecutionContext] = [:]

    init(engine: Engine) { self.engine = engine }

    /// Loads the request's inputs, runs warm-up and timed iterations, and reports each iteration's time.
    func serve(_ request: BenchRequest) throws -> BenchResult {
        guard let path = request.inputs else { throw BenchServerError.badRequest("a request needs \"inputs\": an .npz path") }
        let iterations = request.iterations ?? 10
        let warmUp = request.warmUp ?? 1
        guard iterations >= 1 else { throw BenchServerError.badRequest("\"iterations\" must be at least 1, got \(iterations)") }
        guard warmUp >= 0 else { throw BenchServerError.badRequest("\"warmUp\" must be 0 or more, got \(warmUp)") }
        let archive = try NumPy.readArrays(contentsOf: URL(fileURLWithPath: path))
        var feeds: [String: Tensor] = [:]
        for name in engine.inputNames {
            guard let t = archive[name] else { throw BenchServerError.missingInput(file: path, input: name) }
            feeds[name] = t
        }
        let shapes = feeds.mapValues(\.shape)
        let index = try request.profile ?? engine.requireProfile(containing: shapes)
        let context = try contexts[index] ?? engine.makeContext(profile: index)
        contexts[index] = context
        try context.setInputShapes(shapes)
        for _ in 0..<warmUp { _ = try context.run(feeds) }
        let clock = ContinuousClock()
        var times: [Double] = []
        var results: [String: Tensor] = [:]
        for _ in 0..<iterations {
            let start = clock.now
            results = try context.run(feeds)
            times.append(Milliseconds(clock.now - start).value)
        }
        if let save = request.saveOutputs {
            let outputs = NumPyArchive(engine.outputNames.compactMap { name in results[name].map { (name, $0) } })
            try NumPy.writeArchive(outputs, to: URL(fileURLWithPath: save))
        }
        let sorted = times.sorted()
        let median = (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
        return BenchResult(inputs: path, profile: index, timesMs: times, medianMs: median,
                           savedOutputs: request.saveOutputs, maxResidentBytes: ResourceUsage.maxResidentBytes)
    }
}

/// Errors of a bench-server request.
enum BenchServerError: Error, CustomStringConvertible {
    case badRequest(String)
    case missingInput(file: String, input: String)

    var description: String {
        switch self {
        case .badRequest(let reason): return "bad request: \(reason)"
        case .missingInput(let file, let input): return "\(file): no array named '\(input)' (an input of the engine)"
        }
    }
}

/// The process's resource usage.
enum ResourceUsage {
    /// Peak resident set size in bytes: `VmHWM` of `/proc/self/status` on
    /// Linux (what `getrusage`'s `ru_maxrss` reports), else `ru_maxrss` (bytes on macOS).
    static var maxResidentBytes: Int {
        #if os(Linux)
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap({ Int($0) }).first else { return 0 }
        return kib * 1024
        #else
        var usage = rusage()
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)
        #endif
    }
}
