import Foundation
import IR
import NumPy

/// Errors of scoring; each names the data file and the array.
public enum ScoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case noDataFiles(directory: String, pattern: String)
    case missingArray(file: String, array: String, role: String)
    case unknownArray(file: String, array: String, expected: [String])
    case shapeMismatch(file: String, output: String, produced: [Int], reference: [Int])
    case badInput(file: String, reason: String)

    public var description: String {
        switch self {
        case .noDataFiles(let d, let p): return "\(d): no data files matching '\(p)'"
        case .missingArray(let f, let a, let role): return "\(f): no array '\(a)' (the model's \(role))"
        case .unknownArray(let f, let a, let e):
            return "\(f): array '\(a)' is neither a model input nor an output (expected \(e.joined(separator: ", ")))"
        case .shapeMismatch(let f, let o, let p, let r):
            return "\(f): output '\(o)' has shape \(p) but the reference has \(r)"
        case .badInput(let f, let r): return "\(f): \(r)"
        }
    }
}

/// Scores a model on the hackathon's data files, as testEncoderAndDecoder.py did:
/// for each file, run once (shapes set, results checked), warm up, then time.
public struct Scorer {
    public var iterations: Int
    public var warmUp: Int
    public var thresholds: ScoreThresholds

    public init(iterations: Int = 10, warmUp: Int = 3, thresholds: ScoreThresholds = ScoreThresholds()) {
        self.iterations = max(1, iterations)
        self.warmUp = max(0, warmUp)
        self.thresholds = thresholds
    }

    /// Data files of a directory whose names start with `prefix` and end in `.npz`,
    /// ordered by batch size then length when the name is `<prefix><B>-<T>.npz`.
    public static func dataFiles(in directory: URL, prefix: String = "encoder-") throws -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let files = names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".npz") }
        guard !files.isEmpty else { throw ScoreError.noDataFiles(directory: directory.path, pattern: "\(prefix)*.npz") }
        func key(_ name: String) -> [Int] {
            name.dropFirst(prefix.count).dropLast(4).split(separator: "-").compactMap { Int($0) }
        }
        return files.sorted { key($0).lexicographicallyPrecedes(key($1)) || (key($0) == key($1) && $0 < $1) }
            .map { directory.appendingPathComponent($0) }
    }

    /// Splits a data file into the model's inputs and the reference outputs.
    public static func load(_ url: URL, session: InferenceSession) throws
        -> (inputs: [String: Tensor], references: [String: Tensor]) {
        let file = url.lastPathComponent
        let archive = try NumPy.readArchive(contentsOf: url)
        var inputs: [String: Tensor] = [:]
        var references: [String: Tensor] = [:]
        let known = session.inputNames + session.outputNames
        for (name, tensor) in archive {
            if session.inputNames.contains(name) { inputs[name] = tensor }
            else if session.outputNames.contains(name) { references[name] = tensor }
            else { throw ScoreError.unknownArray(file: file, array: name, expected: known) }
        }
        for name in session.inputNames where inputs[name] == nil {
            throw ScoreError.missingArray(file: file, array: name, role: "input")
        }
        for name in session.outputNames where references[name] == nil {
            throw ScoreError.missingArray(file: file, array: name, role: "output, the reference")
        }
        return (inputs, references)
    }

    /// Scores one data file.
    public func score(file url: URL, session: InferenceSession) throws -> ScoreRow {
        let file = url.lastPathComponent
        let (inputs, references) = try Self.load(url, session: session)
        guard let first = session.inputNames.first, let x = inputs[first], x.rank >= 1 else {
            throw ScoreError.badInput(file: file, reason: "the first input has no batch dimension")
        }
        let outputs: [String: Tensor]
        do {
            outputs = try session.infer(inputs)
        } catch {
            throw ScoreError.badInput(file: file, reason: "\(error)")
        }
        var checks: [AccuracyCheck] = []
        for (k, name) in session.outputNames.enumerated() {
            guard let produced = outputs[name], let reference = references[name] else { continue }
            let (out, ref) = try Self.comparable(produced, reference, output: name, file: file)
            checks.append(AccuracyCheck.compare(out, ref,
                epsilon: k == 0 ? thresholds.epsilon0 : thresholds.epsilon1))
        }
        for _ in 0..<warmUp { _ = try session.infer(inputs) }
        var times: [Double] = []
        times.reserveCapacity(iterations)
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try session.infer(inputs)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let latency = AccuracyCheck.median(&times)
        return ScoreRow(file: file, batchSize: x.shape[0], sequenceLength: x.rank > 1 ? x.shape[1] : 1,
                        latencyMs: latency, checks: checks, good: thresholds.isGood(checks))
    }

    /// Both tensors as doubles of the same element count. A reference lengths
    /// output stored as the hackathon's original mask `[B, 1, T']` is summed over
    /// its last axis to `[B]` first.
    static func comparable(_ produced: Tensor, _ reference: Tensor, output: String, file: String) throws
        -> ([Double], [Double]) {
        var ref = reference
        if produced.rank == 1, reference.rank == 3, reference.shape[1] == 1,
           reference.shape[0] == produced.shape[0], let mask = reference.doubleValues() {
            let t = reference.shape[2]
            let sums = (0..<reference.shape[0]).map { b in mask[(b * t)..<(b * t + t)].reduce(0, +) }
            ref = Tensor(shape: [reference.shape[0]], data: .float64(sums))
        }
        guard produced.shape == ref.shape, let p = produced.doubleValues(), let r = ref.doubleValues() else {
            throw ScoreError.shapeMismatch(file: file, output: output, produced: produced.shape, reference: reference.shape)
        }
        return (p, r)
    }
}
