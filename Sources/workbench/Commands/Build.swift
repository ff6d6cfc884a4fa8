import ArgumentParser
import Builder
import Foundation
import IR
import Runtime

/// `workbench build`: builds an engine plan from an ONNX model, like trtexec.
///
/// Each `--minShapes/--optShapes/--maxShapes` triple makes one optimization
/// profile (repeat the three options for more profiles, in order). Inputs not
/// listed take their shapes from the symbols the listed ones bind
/// (`speech:4x64x80` binds `B`, so `speech_lengths: [B]` is `[4]`).
struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build an engine plan from an ONNX model (passes, tactics, memory plan).",
        discussion: """
            Example: workbench build --onnx encoder.onnx --minShapes speech:1x16x80 --optShapes speech:4x64x80 \
            --maxShapes speech:16x1024x80 --saveEngine encoder.plan --timingCacheFile timing.cache --verbose
            """)

    @OptionGroup var model: ModelOptions

    @Option(name: .customLong("minShapes"), help: ArgumentHelp("Smallest input shapes of a profile (repeat per profile).", valueName: "spec"))
    var minShapes: [String] = []
    @Option(name: .customLong("optShapes"), help: ArgumentHelp("Shapes tactics are timed at (repeat per profile).", valueName: "spec"))
    var optShapes: [String] = []
    @Option(name: .customLong("maxShapes"), help: ArgumentHelp("Largest input shapes; the arena is sized for them.", valueName: "spec"))
    var maxShapes: [String] = []

    @Option(name: .customLong("saveEngine"), help: ArgumentHelp("Where to write the plan.", valueName: "engine.plan"))
    var saveEngine: String

    @Option(name: .customLong("timingCacheFile"), help: ArgumentHelp("Read and update tactic timings here.", valueName: "file"))
    var timingCacheFile: String?

    @Option(name: .customLong("threads"), help: "Threads per execution context (and OpenBLAS).")
    var threads = 1

    @Option(name: .customLong("workspace"), help: ArgumentHelp("Largest workspace one layer's tactic may use, in MiB.", valueName: "MiB"))
    var workspace: Int?

    @Option(name: .customLong("fuse"), help: ArgumentHelp("Comma-separated fusions to run (default: all; 'none' for none).", valueName: "names"))
    var fuse: String?

    @Option(name: .customLong("timingIterations"), help: "Timed runs per tactic candidate.")
    var timingIterations = 5

    @Option(name: .customLong("tacticShapes"), help: ArgumentHelp(
        "Where tactics are timed: 'all' (each profile's min, opt and max shapes: a layer whose fastest tactic changes across the profile gets one per range of sizes) or 'opt' (opt shapes only, one tactic per layer and profile).",
        valueName: "all|opt"))
    var tacticShapes: BuilderConfig.TacticShapes = .minOptMax

    @OptionGroup var plugins: PluginOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard minShapes.count == optShapes.count, optShapes.count == maxShapes.count else {
            throw ValidationError("give --minShapes, --optShapes and --maxShapes the same number of times (one triple per profile)")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard timingIterations >= 1 else { throw ValidationError("--timingIterations must be at least 1") }
        if let workspace, workspace < 0 { throw ValidationError("--workspace must be 0 or more MiB") }
    }

    func run() throws {
        try plugins.load(output)
        let graph = try model.load(output).graph
        var profiles: [OptimizationProfile] = []
        let inputs = graph.runtimeInputs
        for k in 0..<minShapes.count {
            let lo = try ShapeSpec(parsing: minShapes[k], option: "--minShapes").resolve(inputs)
            let opt = try ShapeSpec(parsing: optShapes[k], option: "--optShapes").resolve(inputs)
            let hi = try ShapeSpec(parsing: maxShapes[k], option: "--maxShapes").resolve(inputs)
            var profile = OptimizationProfile()
            for input in inputs {
                guard let a = lo[input.name], let b = opt[input.name], let c = hi[input.name] else { continue }
                profile.setDimensions(input.name, min: a, opt: b, max: c)
            }
            profiles.append(profile)
        }
        let cacheURL = timingCacheFile.map { URL(fileURLWithPath: $0) }
        let cache = try cacheURL.map { try TimingCache(contentsOf: $0) } ?? TimingCache()
        let verbose = output.verbose
        let fusions: Set<String>? = fuse.map { $0 == "none" ? [] : Set($0.split(separator: ",").map(String.init)) }
        var config = BuilderConfig(profiles: profiles, threads: threads, workspaceLimit: workspace.map { $0 << 20 },
                                   timingCache: cache, timingIterations: timingIterations, fusions: fusions,
                                   log: { line in if verbose { Console.note("[V] " + line) } })
        config.tacticShapes = tacticShapes
        Console.note("building \(model.onnx) with \(max(profiles.count, 1)) profile(s), \(threads) thread(s)...")
        let built = try Builder(config).build(graph)
        let url = URL(fileURLWithPath: saveEngine)
        try built.write(to: url)
        if let cacheURL { try cache.write(to: cacheURL) }
        let planBytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        let report = BuildReport(built, plan: saveEngine, planBytes: planBytes, cacheEntries: cache.count)
        if output.json { try Console.printJSON(report) } else { print(report.text) }
    }
}

/// What `workbench build` prints.
struct BuildReport: Encodable {
    struct Profile: Encodable {
        var arenaBytes: Int
        var naiveBytes: Int
        var workspaceBytes: Int
    }

    var plan: String
    var planBytes: Int
    var weightBytes: Int
    var layers: Int
    var shapeLayers: Int
    var referenceLayers: [String]
    var profiles: [Profile]
    var buildSeconds: Double
    var tacticMeasurements: Int
    var timingCacheEntries: Int

    init(_ built: BuiltEngine, plan: String, planBytes: Int, cacheEntries: Int) {
        self.plan = plan
        self.planBytes = planBytes
        weightBytes = built.weightBytes
        layers = built.manifest.layers.count
        shapeLayers = built.manifest.layers.filter { $0.stage == "shape" }.count
        referenceLayers = built.referenceLayers
        profiles = built.manifest.profiles.map { Profile(arenaBytes: $0.arenaBytes, naiveBytes: $0.naiveBytes, workspaceBytes: $0.workspaceBytes) }
        buildSeconds = built.buildSeconds
        tacticMeasurements = built.measurements
        timingCacheEntries = cacheEntries
    }

    var text: String {
        var lines = ["Engine: \(plan) (\(Console.bytes(planBytes)); weights \(Console.bytes(weightBytes)))"]
        lines.append("Layers: \(layers) (\(shapeLayers) shape-stage, \(referenceLayers.count) on reference kernels)")
        for (i, p) in profiles.enumerated() {
            let saved = p.naiveBytes > 0 ? 100 * (1 - Double(p.arenaBytes) / Double(p.naiveBytes)) : 0
            lines.append("Profile \(i): arena \(Console.bytes(p.arenaBytes)) vs \(Console.bytes(p.naiveBytes)) naive"
                         + String(format: " (%.1f%% saved)", saved) + ", workspace \(Console.bytes(p.workspaceBytes))")
        }
        lines.append(String(format: "Built in %.2f s; %d tactic measurements, timing cache holds %d",
                            buildSeconds, tacticMeasurements, timingCacheEntries))
        return lines.joined(separator: "\n")
    }
}

extension BuilderConfig.TacticShapes: ExpressibleByArgument {}
