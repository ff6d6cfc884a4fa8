import Foundation
import IR
import Kernels
import Plugins
import Runtime

/// Chooses each layer's tactic by timing its candidates at the profile's opt
/// shapes (random inputs, the real weights, the engine's thread count),
/// consulting and filling the timing cache. Candidates missing from the
/// cache are timed interleaved (one run of each per round, median over
/// `timingIterations` rounds), so load on a shared machine biases none.
struct TacticSelector {
    let program: EngineProgram
    let config: BuilderConfig
    let threads: ThreadPool
    /// Measurements actually made (cache misses that were timed).
    private(set) var measurements = 0
    /// One line per candidate of the last ``choose(layer:at:)``: its time,
    /// whether it came from the timing cache, or why it was skipped.
    private(set) var lastCandidates: [String] = []

    init(program: EngineProgram, config: BuilderConfig) {
        self.program = program
        self.config = config
        threads = ThreadPool(threads: config.threads)
    }

    /// The chosen tactic and its time (nil when there was nothing to choose) for one layer.
    mutating func choose(layer index: Int, at resolution: ShapeResolution) throws -> (String, Double?) {
        let layer = program.manifest.layers[index]
        let plugin = program.plugins[index]
        let shapes = layer.inputs.map { $0 >= 0 ? resolution.shapes[$0] ?? [] : [] }
        var candidates = plugin.tactics(inputShapes: shapes)
        lastCandidates = []
        if let limit = config.workspaceLimit {
            for t in candidates where plugin.workspaceSize(inputShapes: shapes, tactic: t) > limit {
                lastCandidates.append("\(t): skipped (workspace above the limit)")
            }
            candidates = candidates.filter { plugin.workspaceSize(inputShapes: shapes, tactic: $0) <= limit }
        }
        guard !candidates.isEmpty else {
            throw BuilderError.lowering(node: layer.name, reason: "no tactic fits the workspace limit")
        }
        if candidates.count == 1 { return (candidates[0], nil) }
        let keyPrefix = "\(layer.domain)::\(layer.plugin)@\(layer.version)|\(Self.hash(layer.attributes))|"
            + shapes.map { $0.map(String.init).joined(separator: "x") }.joined(separator: ",") + "|t\(config.threads)|"
        var times: [String: Double] = [:]
        var cachedTactics: Set<String> = []
        for tactic in candidates {
            if let ms = config.timingCache?.lookup(keyPrefix + tactic) { times[tactic] = ms; cachedTactics.insert(tactic) }
        }
        let missing = candidates.filter { !cachedTactics.contains($0) }
        if !missing.isEmpty {
            var bench = try LayerBench(program: program, layer: index, resolution: resolution)
            defer { bench.release() }
            for (tactic, ms) in bench.timeInterleaved(plugin: plugin, tactics: missing, threads: threads,
                                                      iterations: config.timingIterations) {
                times[tactic] = ms
                config.timingCache?.record(keyPrefix + tactic, milliseconds: ms)
            }
            measurements += missing.count
        }
        var best: (String, Double)? = nil
        for tactic in candidates {
            guard let ms = times[tactic] else { lastCandidates.append("\(tactic): failed"); continue }
            let hit = cachedTactics.contains(tactic) ? " (cache hit)" : ""
            lastCandidates.append("\(tactic): " + String(format: "%.4f ms", ms) + hit)
            if best == nil || ms < best!.1 { best = (tactic, ms) }
        }
        guard let best else { throw BuilderError.lowering(node: layer.name, reason: "every tactic failed when timed") }
        return best
    }

    /// Times layer `index` also at the profile's min and max shapes (`sets`
    /// is min, opt, max) and, when the fastest tactic differs, returns one
    /// bucket per sampled size: each covers sizes up to the geometric mean of
    /// its sample and the next one (the last is open-ended). Empty when one
    /// tactic wins everywhere.
    mutating func buckets(layer index: Int, sets: [ShapeResolution], opt: (String, Double?)) throws -> [ManifestTacticBucket] {
        let layer = program.manifest.layers[index]
        func size(_ r: ShapeResolution) -> Int {
            ManifestLayer.workSize(outputShapes: layer.outputs.compactMap { $0 >= 0 ? r.shapes[$0] : nil })
        }
        let optSize = size(sets[1])
        var samples: [(size: Int, tactic: String, ms: Double?)] = [(optSize, opt.0, opt.1)]
        for r in [sets[0], sets[2]] where size(r) != optSize && !samples.contains(where: { $0.size == size(r) }) {
            let (tactic, ms) = try choose(layer: index, at: r)
            samples.append((size(r), tactic, ms))
        }
        samples.sort { $0.size < $1.size }
        guard Set(samples.map(\.tactic)).count > 1 else { return [] }
        var buckets: [ManifestTacticBucket] = []
        for (k, sample) in samples.enumerated() {
            let upTo = k + 1 < samples.count
                ? Int((Double(sample.size) * Double(samples[k + 1].size)).squareRoot()) : Int.max
            // Neighbours with the same tactic share one bucket.
            if let last = buckets.last, last.tactic == sample.tactic { buckets[buckets.count - 1].upTo = upTo; continue }
            buckets.append(ManifestTacticBucket(upTo: upTo, tactic: sample.tactic, ms: sample.ms, sampledAt: sample.size))
        }
        return buckets
    }

    /// FNV-1a of the attributes' sorted JSON: stable across runs and machines.
    static func hash(_ attributes: [String: ManifestAttribute]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(attributes)) ?? Data()
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(h, radix: 16)
    }
}

/// Buffers for timing one layer: random inputs, the real weights, outputs and workspace.
struct LayerBench {
    var call: PluginCall
    var owned: [UnsafeMutableRawPointer] = []
    let shapes: [[Int]]

    init(program: EngineProgram, layer index: Int, resolution: ShapeResolution) throws {
        let layer = program.manifest.layers[index]
        var owned: [UnsafeMutableRawPointer] = []
        func buffer(_ v: Int) throws -> TensorBuffer {
            guard let shape = resolution.shapes[v] else {
                throw BuilderError.lowering(node: layer.name, reason: "no shape for '\(program.manifest.values[v].name)'")
            }
            let type = program.dataTypes[v]
            let count = Shapes.count(shape)
            switch program.manifest.values[v].storage {
            case .weight:
                if let p = program.weights.pointer(for: v) {
                    return TensorBuffer(data: UnsafeMutableRawPointer(mutating: p), dataType: type, shape: shape)
                }
            case .shapeTime:
                if let t = resolution.shapeTensors[v] {
                    let p = try TensorBytes.copyOut(t)
                    owned.append(p)
                    return TensorBuffer(data: p, dataType: type, shape: shape)
                }
            case .input, .activation: break
            }
            let bytes = max(count * type.byteSize, 1)
            let p = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            owned.append(p)
            memset(p, 0, bytes)
            if type == .float32 {
                let f = p.assumingMemoryBound(to: Float.self)
                var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(v)
                for i in 0..<count {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    f[i] = Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
                }
            }
            return TensorBuffer(data: p, dataType: type, shape: shape)
        }
        var inputs: [TensorBuffer?] = []
        for v in layer.inputs { inputs.append(v >= 0 ? try buffer(v) : nil) }
        var outputs: [TensorBuffer] = []
        for v in layer.outputs where v >= 0 {
            outputs.append(try buffer(v))
        }
        let inputShapes = inputs.map { $0?.shape ?? [] }
        shapes = inputShapes
        let plugin = program.plugins[index]
        let workspace = plugin.tactics(inputShapes: inputShapes)
            .map { plugin.workspaceSize(inputShapes: inputShapes, tactic: $0) }.max() ?? 0
        let ws = UnsafeMutableRawPointer.allocate(byteCount: max(workspace, 64), alignment: 64)
        owned.append(ws)
        call = PluginCall(inputs: inputs, outputs: outputs, workspace: ws, tactic: "", threads: ThreadPool(threads: 1))
        self.owned = owned
    }

    /// Median milliseconds of each tactic over `iterations` rounds, after
    /// one warm-up run each; a round runs every tactic once, in turn, so a
    /// change in machine load affects all candidates alike. Tactics that
    /// throw are left out.
    mutating func timeInterleaved(plugin: any Plugin, tactics: [String], threads: ThreadPool,
                                  iterations: Int) -> [String: Double] {
        // Timed as the engine runs: the caller pinned like an execution context's.
        threads.withPinnedCaller { timeTactics(plugin: plugin, tactics: tactics, threads: threads, iterations: iterations) }
    }

    private mutating func timeTactics(plugin: any Plugin, tactics: [String], threads: ThreadPool,
                                      iterations: Int) -> [String: Double] {
        call.threads = threads
        var live: [String] = []
        for tactic in tactics {
            call.tactic = tactic
            if (try? plugin.enqueue(call)) != nil { live.append(tactic) }
        }
        let clock = ContinuousClock()
        var times: [String: [Double]] = [:]
        for _ in 0..<max(1, iterations) {
            for tactic in live {
                call.tactic = tactic
                let start = clock.now
                guard (try? plugin.enqueue(call)) != nil else { continue }
                let (s, atto) = (clock.now - start).components
                times[tactic, default: []].append(Double(s) * 1000 + Double(atto) / 1e15)
            }
        }
        return times.compactMapValues { runs in
            let sorted = runs.sorted()
            return sorted.isEmpty ? nil : sorted[sorted.count / 2]
        }
    }

    func release() { for p in owned { p.deallocate() } }
}
