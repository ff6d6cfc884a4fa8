import ArgumentParser
import Foundation
import IR
import NumPy
import Runtime

extension Run {
    /// `run --loadEngine`: loads the plan, sets the shapes on a context of the
    /// chosen profile, warms up, times `--iterations` runs and prints trtexec-style
    /// latency statistics (and, with `--dumpProfile`, the time per layer).
    func runEngine(_ path: String) throws {
        let clock = ContinuousClock()
        let loadStart = clock.now
        let engine = try Engine(contentsOf: URL(fileURLWithPath: path))
        output.detail("loaded \(path) in \(Milliseconds(clock.now - loadStart))")
        // The engine's inputs as graph inputs, so --shapes and --loadInputs work as for models.
        let declared = Graph(inputs: engine.manifest.inputs.map { io in
            ValueInfo(name: io.name, type: DataType(name: io.dataType).map { ValueType($0, Shape(io.dims)) })
        })
        let (loaded, source) = try inputs.feeds(for: declared, output)
        // A data file may hold reference outputs too: keep the engine's inputs.
        let extra = loaded.names.filter { !engine.inputNames.contains($0) }
        if !extra.isEmpty { output.detail("ignoring arrays that are not engine inputs: \(extra.joined(separator: ", "))") }
        let feeds = NumPyArchive(engine.inputNames.compactMap { name in loaded[name].map { (name, $0) } })
        try inputs.save(feeds, output)
        let shapes = feeds.arrays.mapValues(\.shape)
        let index = try profile ?? engine.requireProfile(containing: shapes)
        let context = try engine.makeContext(profile: index)
        do {
            try context.setInputShapes(shapes)
        } catch let error as RuntimeError where inputs.loadInputs != nil {
            throw CLIError.inputs(file: source, reason: error.description)
        }
        for i in 0..<timing.warmUp {
            let elapsed = try clock.measure { _ = try context.run(feeds.arrays) }
            output.detail("warm-up \(i + 1): \(Milliseconds(elapsed))")
        }
        context.profiling = dumpProfile
        var results: [String: Tensor] = [:]
        var latencies: [Duration] = []
        for i in 0..<timing.iterations {
            let start = clock.now
            results = try context.run(feeds.arrays)
            latencies.append(clock.now - start)
            output.detail("iteration \(i + 1): \(Milliseconds(latencies[i]))")
        }
        let outputs = NumPyArchive(engine.outputNames.compactMap { name in results[name].map { (name, $0) } })
        if let exportOutput {
            try NumPy.writeArchive(outputs, to: URL(fileURLWithPath: exportOutput))
            output.detail("wrote \(outputs.count) outputs to \(exportOutput)")
        }
        let base = RunReport(model: path, inputSource: source, inputs: feeds, outputs: outputs, latencies: latencies,
                             warmUp: timing.warmUp, savedInputs: inputs.saveInputs, exportedOutputs: exportOutput)
        let report = EngineRunReport(base: base, profile: index, latencies: latencies,
                                     layers: dumpProfile ? EngineRunReport.layerTimes(context) : nil)
        if output.json { try Console.printJSON(report) } else { print(report.text) }
    }
}

/// `run --loadEngine`'s report: the run report plus trtexec's latency
/// statistics and, optionally, the per-layer profile.
struct EngineRunReport: Encodable {
    struct Statistics: Encodable {
        var minMs, meanMs, medianMs, p90Ms, p99Ms, maxMs: Double
    }

    struct LayerTime: Encodable {
        var name: String
        var op: String
        var kernel: String
        var tactic: String
        var averageMs: Double
        var percent: Double
    }

    var base: RunReport
    var profile: Int
    var latency: Statistics
    var layers: [LayerTime]?

    init(base: RunReport, profile: Int, latencies: [Duration], layers: [LayerTime]?) {
        self.base = base
        self.profile = profile
        let ms = latencies.map { Milliseconds($0).value }.sorted()
        // Nearest-rank percentile: the smallest value with at least p of the runs at or below it.
        func percentile(_ p: Double) -> Double {
            guard !ms.isEmpty else { return 0 }
            let rank = Int((p * Double(ms.count)).rounded(.up))
            return ms[min(max(rank - 1, 0), ms.count - 1)]
        }
        let median = ms.isEmpty ? 0 : (ms[(ms.count - 1) / 2] + ms[ms.count / 2]) / 2
        latency = Statistics(minMs: ms.first ?? 0, meanMs: ms.isEmpty ? 0 : ms.reduce(0, +) / Double(ms.count),
                             medianMs: median, p90Ms: percentile(0.9), p99Ms: percentile(0.99), maxMs: ms.last ?? 0)
        self.layers = layers
    }

    static func layerTimes(_ context: ExecutionContext) -> [LayerTime] {
        let runs = Double(max(context.profiledRuns, 1))
        let total = context.layerTimes.reduce(0, +)
        return context.engine.manifest.layers.enumerated().compactMap { i, layer in
            guard layer.stage == "run" else { return nil }
            let seconds = context.layerTimes[i]
            return LayerTime(name: layer.name, op: layer.opType, kernel: layer.plugin, tactic: context.tactic(ofLayer: i) ?? layer.tactics[context.profile],
                             averageMs: seconds * 1000 / runs, percent: total > 0 ? 100 * seconds / total : 0)
        }
    }

    var text: String {
        var lines = [base.text, "Profile: \(profile)"]
        let l = latency
        lines.append(String(format: "Latency: min = %.3f ms, max = %.3f ms, mean = %.3f ms, median = %.3f ms, "
                            + "percentile(90%%) = %.3f ms, percentile(99%%) = %.3f ms",
                            l.minMs, l.maxMs, l.meanMs, l.medianMs, l.p90Ms, l.p99Ms))
        if let layers {
            lines.append("Layer times (average over timed runs):")
            lines.append("   Time(ms)      %  Layer  [kernel: tactic]")
            for t in layers.sorted(by: { $0.averageMs > $1.averageMs }) {
                lines.append(String(format: "%11.4f %6.2f  ", t.averageMs, t.percent) + "\(t.name)  [\(t.kernel): \(t.tactic)]")
            }
            let sum = layers.reduce(0) { $0 + $1.averageMs }
            lines.append(String(format: "%11.4f 100.00  total", sum))
        }
        return lines.joined(separator: "\n")
    }
}
