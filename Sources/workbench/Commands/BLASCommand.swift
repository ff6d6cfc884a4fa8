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

    @Option(name: .customLong("kernel"), help: ArgumentHelp(
        "The GEMM to time: openblas (one call, OpenBLAS's threads), packed (the workbench's packed-weight kernel on its own pool of --threads workers), or all (both, samples interleaved).",
        valueName: "openblas|packed|all"))
    var kernel: GEMMKernelChoice = .openblas

    @Option(name: .customLong("poolLoops"),
            help: ArgumentHelp("Only time N empty ThreadPool loops on --threads (default 2) threads, per gap.",
                               valueName: "N"))
    var poolLoops: Int?

    @Flag(name: .customLong("coldWeights"), help: ArgumentHelp(
        "Cycle each call through copies of B totalling at least 64 MiB, so B comes from memory as an engine's weights do (its layers' weights exceed the caches); default: one B, hot in cache."))
    var coldWeights = false

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
        let kernels: [GEMMKernel] = kernel == .all ? [.openblas, .packed] : [kernel == .packed ? .packed : .openblas]
        let pool = ThreadPool(threads: threads ?? BLAS.threads)
        for shape in todo {
            for r in GEMMThroughput.measure(shape, kernels: kernels, pool: pool, samples: iterations, coldWeights: coldWeights) {
                output.detail("\(shape) \(r.kernel): \(String(format: "%.1f", r.gflops)) GFLOP/s (\(r.callsPerSample) calls per sample)")
                results.append(r)
            }
        }
        let report = BLASReport(blasCore: BLAS.coreName, blasConfig: BLAS.config, threads: BLAS.threads,
                                coreTypeRequest: BLASCoreSelection.describeRequest(), coldWeights: coldWeights, results: results)
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
    /// `openblas` or `packed`.
    var kernel: String
    /// At the median sample's time per call.
    var gflops: Double
    /// At the fastest sample's time per call (on a shared machine, the closer to the roof).
    var bestGflops: Double
    var medianSecondsPerCall: Double
    var callsPerSample: Int

    /// For each kernel: one untimed call, then `samples` samples of repeated calls lasting ≥ 50 ms
    /// each; the kernels' samples alternate so that load on the machine biases none of them.
    /// `coldWeights`: each call takes the next of enough copies of B (at least 64 MiB in all) that
    /// B comes from memory, as the weights of an engine's layers do.
    static func measure(_ shape: GEMMShape, kernels: [GEMMKernel], pool: ThreadPool, samples: Int,
                        coldWeights: Bool = false) -> [GEMMThroughput] {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        var a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        for i in a.indices { a[i] = Float(i % 13) * 0.01 - 0.06 }
        for i in b.indices { b[i] = Float(i % 7) * 0.02 - 0.06 }
        var packed = kernels.contains(.packed) ? PackedGEMM.pack(b, k: k, n: n) : []
        let copies = coldWeights ? max(1, (64 << 20) / max(1, 4 * min(b.count, max(packed.count, 1)))) : 1
        let (bCount, packedCount) = (b.count, packed.count)
        if copies > 1 {
            b = Array([[Float]](repeating: b, count: copies).joined())
            packed = Array([[Float]](repeating: packed, count: copies).joined())
        }
        var next = 0
        let clock = ContinuousClock()
        func call(_ kernel: GEMMKernel, _ times: Int) -> Double {
            let start = clock.now
            a.withUnsafeBufferPointer { pa in
                (kernel == .packed ? packed : b).withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        for _ in 0..<times {
                            next = (next + 1) % copies
                            if kernel == .packed {
                                PackedGEMM.run(m: m, n: n, k: k, a: pa.baseAddress!, lda: k,
                                               packed: pb.baseAddress! + next * packedCount,
                                               c: pc.baseAddress!, ldc: n, epilogue: GEMM.Epilogue(), threads: pool)
                            } else {
                                BLAS.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1,
                                           a: pa.baseAddress!, lda: k, b: pb.baseAddress! + next * bCount, ldb: n,
                                           beta: 0, c: pc.baseAddress!, ldc: n)
                            }
                        }
                    }
                }
            }
            return Milliseconds(clock.now - start).value / 1000
        }
        let calls = kernels.map { kernel in max(1, Int((0.05 / max(call(kernel, 1), 1e-7)).rounded(.up))) }
        var perCall = kernels.map { _ in [Double]() }
        for _ in 0..<samples {
            for (i, kernel) in kernels.enumerated() { perCall[i].append(call(kernel, calls[i]) / Double(calls[i])) }
        }
        return kernels.indices.map { i in
            let sorted = perCall[i].sorted()
            let median = (sorted[(samples - 1) / 2] + sorted[samples / 2]) / 2
            return GEMMThroughput(shape: shape, kernel: kernels[i].rawValue, gflops: shape.flops / median / 1e9,
                                  bestGflops: shape.flops / sorted[0] / 1e9, medianSecondsPerCall: median,
                                  callsPerSample: calls[i])
        }
    }
}

/// What `workbench blas --kernel` selects.
enum GEMMKernelChoice: String, ExpressibleByArgument, CaseIterable {
    case openblas, packed, all
}

/// A GEMM implementation `workbench blas` times.
enum GEMMKernel: String, Encodable {
    case openblas, packed
}

/// What `workbench blas` prints.
struct BLASReport: Encodable {
    var blasCore: String
    var blasConfig: String
    var threads: Int
    /// How the core was chosen (an explicit request, or the environment's `OPENBLAS_CORETYPE` ignored).
    var coreTypeRequest: String
    /// The instruction set of the workbench's packed kernel (``PackedGEMM/isa``).
    var kernelISA: String = PackedGEMM.isa
    /// Whether B was cycled through copies larger than the caches (`--coldWeights`).
    var coldWeights = false
    var results: [GEMMThroughput]

    var text: String {
        var lines = ["OpenBLAS core: \(blasCore) (\(coreTypeRequest))", "OpenBLAS build: \(blasConfig)",
                     "Threads: \(threads)", "Workbench kernels: \(kernelISA)"]
        if coldWeights { lines.append("Weights: cold (B cycled through copies of at least 64 MiB)") }
        if !results.isEmpty {
            lines.append("     shape (MxNxK)    kernel  GFLOP/s (median)  GFLOP/s (best)   ms/call (median)")
            for r in results {
                let shape = String(repeating: " ", count: max(0, 18 - r.shape.description.count)) + r.shape.description
                let kernel = String(repeating: " ", count: max(0, 10 - r.kernel.count)) + r.kernel
                lines.append(shape + kernel + String(format: " %17.1f %15.1f %18.3f", r.gflops, r.bestGflops, r.medianSecondsPerCall * 1000))
            }
        }
        return lines.joined(separator: "\n")
    }
}
