import Dispatch
import Kernels

/// The cost of one empty parallel loop of the kernels' ``ThreadPool``
/// (`workbench blas --poolLoops N`): the fixed overhead every parallel layer
/// pays, after `gap` µs of single-threaded work since the previous loop
/// (0: back to back; a few µs: between layers; longer: between requests).
struct PoolLoopLatency {
    var threads: Int
    var gapMicroseconds: Int
    /// Median and 90th-percentile ns per `parallelFor(threads)` with an empty body.
    var medianNanoseconds: Double
    var p90Nanoseconds: Double

    /// Times `loops` empty loops one by one, each after `gap` µs of spinning on the caller.
    static func measure(threads: Int, gap: Int, loops: Int) -> PoolLoopLatency {
        let pool = ThreadPool(threads: threads)
        var times = [Double]()
        times.reserveCapacity(loops)
        for _ in 0..<loops {
            if gap > 0 {
                let until = DispatchTime.now().uptimeNanoseconds + UInt64(gap) * 1000
                while DispatchTime.now().uptimeNanoseconds < until {}
            }
            let start = DispatchTime.now().uptimeNanoseconds
            pool.parallelFor(threads) { _ in }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start))
        }
        times.sort()
        return PoolLoopLatency(threads: threads, gapMicroseconds: gap, medianNanoseconds: times[(loops - 1) / 2],
                               p90Nanoseconds: times[min(loops - 1, loops * 9 / 10)])
    }

    /// The table `workbench blas --poolLoops` prints: gaps 0, 10, 100 and 1000 µs.
    static func report(threads: Int, loops: Int) -> String {
        var lines = ["Empty parallelFor(\(threads)) on \(threads) threads, \(loops) loops per gap:",
                     "  gap (µs)  ns/loop (median)  ns/loop (p90)"]
        for gap in [0, 10, 100, 1000] {
            let r = measure(threads: threads, gap: gap, loops: gap >= 1000 ? max(1, loops / 10) : loops)
            lines.append(String(format: "%10d %17.0f %14.0f", gap, r.medianNanoseconds, r.p90Nanoseconds))
        }
        return lines.joined(separator: "\n")
    }
}
