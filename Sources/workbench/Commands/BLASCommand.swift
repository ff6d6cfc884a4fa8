import ArgumentParser
import Foundation
import Kernels

/// `workbench blas`: the machine's roof, measured with the BLAS the engine
/// links: single-precision GEMM throughput in GFLOP/s (2·M·N·K per call) for
/// a square size and for given M×N×K shapes, plus the OpenBLAS core and build.
struct BLASCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas",
        abstract: "Measure sgemm GFLOP/s with the linked OpenBLAS (the roof) and print its core and build.",
        discussion: """
            Each shape is timed after one untimed call; a sample repeats the call until it lasts at \
            least 50 ms, and the result is the median of --iterations samples. Shapes read MxNxK: \
            C (M×N) = A (M×K) · B (K×N), row-major. --encoderShapes adds the hackathon encoder's \
            GEMMs at 16×256 frames (FFN up/down, the fused QKV projection) and the small-M ones of 1×16.
            """)

    @Option(name: .customLong("sgemm"), help: ArgumentHelp("Time an N×N×N sgemm.", valueName: "N"))
    var square: [Int] = []

    @Option(name: .customLong("shape"), help: ArgumentHelp("Time an M×N×K sgemm (repeatable).", valueName: "MxNxK"))
    var shapes: [String] = []

    @Flag(name: .customLong("encoderShapes"), help: "Also time the hackathon encoder's GEMM shapes.")
    var encoderShapes = false

    @Option(name: .customLong("threads"), help: "OpenBLAS threads (default: OpenBLAS's own default).")
    var threads: Int?

    @Option(name: .customLong("iterations"), help: "Timed samples per shape; the median is reported.")
    var iterations = 5

    @Option(name: .customLong("poolLoops"),
            help: ArgumentHelp("Only time N empty ThreadPool loops on --threads (default 2) threads, per gap.",
                               valueName: "N"))
    var poolLoops: Int?

    @Flag(name: .customLong("info"), help: "Only print the OpenBLAS core, build and threads (no timing).")
    var info = false

    @OptionGroup var output: OutputOptions

    /// The encoder's GEMMs at 16×256 (1008 rows after subsampling) and at 1×16 / 4×16.
    static let encoderGEMMs: [GEMMShape] = [
        GEMMShape(m: 1008, n: 2048, k: 256), GEMMShape(m: 1008, n: 256, k: 2048),
        GEMMShape(m: 1008, n: 768, k: 256), GEMMShape(m: 64, n: 2048, k: 256), GEMMShape(m: 4, n: 2048, k: 256),
    ]

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        for n in square where n < 1 || n > 16384 {
            throw ValidationError("--sgemm must be in 1...16384, got \(n)")
        }
        for s in shapes { _ = try GEMMShape(parsing: s) }
        if let poolLoops, !(1...10_000_000).contains(poolLoops) {
            throw ValidationError("--poolLoops must be in 1...10000000, got \(poolLoops)")
        }
    }

    func run() throws {
        if let poolLoops {
            print(PoolLoopLatency.report(threads: threads ?? 2, loops: poolLoops))
            return
        }
        if let threads { BLAS.threads = threads }
        var todo = try square.map { GEMMShape(m: $0, n: $0, k: $0) } + shapes.map { try GEMMShape(parsing: $0) }
        if encoderShapes { todo += Self.encoderGEMMs }
        if todo.isEmpty && !info { todo = [GEMMShape(m: 4096, n: 4096, k: 4096)] }
        if info { todo = [] }
        var results: [GEMMThroughput] = []
        for shape in todo {
            let r = GEMMThroughput.measure(shape, samples: iterations)
            output.detail("\(shape): \(String(format: "%.1f", r.gflops)) GFLOP/s (\(r.callsPerSample) calls per sample)")
            results.append(r)
        }
        let report = BLASReport(blasCore: BLAS.coreName, blasConfig: BLAS.config, threads: BLAS.threads,
                                coreTypeRequest: BLASCoreSelection.describeRequest(), results: results)
        if output.json { try Console.printJSON(report) } else { print(report.text) }
    }
}

/// An sgemm problem size: C (m × n) = A (m × k) · B (k × n).
struct GEMMShape: Encodable, CustomStringConvertible {
    var m, n, k: Int

    init(m: Int, n: Int, k: Int) { (self.m, self.n, self.k) = (m, n, k) }

    /// Parses `MxNxK` (each in 1...65536).
    init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "x").map { Int($0) }
        guard parts.count == 3, let m = parts[0], let n = parts[1], let k = parts[2],
              [m, n, k].allSatisfy({ (1...65536).contains($0) }) else {
            throw ValidationError("--shape must read MxNxK with sizes in 1...65536, got '\(text)'")
        }
        self.init(m: m, n: n, k: k)
    }

    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    var description: String { "\(m)x\(n)x\(k)" }
}

/// One shape's measured sgemm throughput.
struct GEMMThroughput: Encodable {
    var shape: GEMMShape
    /// At the median sample's time per call.
    var gflops: Double
    /// At the fastest sample's time per call (on a shared machine, the closer to the roof).
    var bestGflops: Double
    var medianSecondsPerCall: Double
    var callsPerSample: Int

    /// One untimed call, then `samples` samples of repeated calls lasting ≥ 50 ms each.
    static func measure(_ shape: GEMMShape, samples: Int) -> GEMMThroughput {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        var a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        for i in a.indices { a[i] = Float(i % 13) * 0.01 - 0.06 }
        for i in b.indices { b[i] = Float(i % 7) * 0.02 - 0.06 }
        let clock = ContinuousClock()
        func call(_ times: Int) -> Double {
            let start = clock.now
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        for _ in 0..<times {
                            BLAS.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                       a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: n,
                                       beta: 0, c: pc.baseAddress!, ldc: n)
                        }
                    }
                }
            }
            return Milliseconds(clock.now - start).value / 1000
        }
        let first = max(call(1), 1e-7)
        let calls = max(1, Int((0.05 / first).rounded(.up)))
        let perCall = (0..<samples).map { _ in call(calls) / Double(calls) }.sorted()
        let median = (perCall[(samples - 1) / 2] + perCall[samples / 2]) / 2
        return GEMMThroughput(shape: shape, gflops: shape.flops / median / 1e9, bestGflops: shape.flops / perCall[0] / 1e9,
                              medianSecondsPerCall: median,
                              callsPerSample: calls)
    }
}

/// What `workbench blas` prints.
struct BLASReport: Encodable {
    var blasCore: String
    var blasConfig: String
    var threads: Int
    /// How the core was chosen (an explicit request, or the environment's `OPENBLAS_CORETYPE` ignored).
    var coreTypeRequest: String
    var results: [GEMMThroughput]

    var text: String {
        var lines = ["OpenBLAS core: \(blasCore) (\(coreTypeRequest))", "OpenBLAS build: \(blasConfig)",
                     "Threads: \(threads)"]
        if !results.isEmpty {
            lines.append("     shape (MxNxK)  GFLOP/s (median)  GFLOP/s (best)   ms/call (median)")
            for r in results {
                let shape = String(repeating: " ", count: max(0, 18 - r.shape.description.count)) + r.shape.description
                lines.append(shape + String(format: " %17.1f %15.1f %18.3f", r.gflops, r.bestGflops, r.medianSecondsPerCall * 1000))
            }
        }
        return lines.joined(separator: "\n")
    }
}
