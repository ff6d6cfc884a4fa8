import Dispatch

/// Parallel loops for kernels, sized once per execution context.
///
/// With `threads == 1` every loop runs inline on the caller's thread (no
/// dispatch overhead); otherwise iterations are spread over `threads` workers
/// with `DispatchQueue.concurrentPerform`, each worker taking a contiguous
/// chunk.
///
/// The BLAS threading rule: our threads and OpenBLAS's never run at once.
/// OpenBLAS's thread count is process-wide; an execution context sets it to
/// the engine's thread count, so a BLAS call made outside a parallel loop
/// uses all threads. While a parallel loop runs on more than one worker, it
/// lowers OpenBLAS to one thread (and restores it after), so BLAS calls made
/// inside the loop body each run single-threaded on their worker. A kernel
/// therefore chooses between "one BLAS call, BLAS threads" and "our panels,
/// one BLAS thread each" just by calling BLAS outside or inside a loop.
public struct ThreadPool: Sendable {
    public let threads: Int

    public init(threads: Int) { self.threads = max(1, threads) }

    /// Runs `body(i)` for every `i` in `0..<count`, in parallel chunks.
    @inlinable
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if threads == 1 || count <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        let workers = min(threads, count)
        let blas = BLAS.enterParallelRegion()
        defer { BLAS.leaveParallelRegion(blas) }
        withoutActuallyEscaping(body) { body in
            // The loop's iterations touch disjoint data by contract; the closure
            // does not outlive this call.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let start = count * w / workers, end = count * (w + 1) / workers
                for i in start..<end { body(i) }
            }
        }
    }

    /// Runs `body(range)` over `0..<count` split into at most `threads` contiguous ranges.
    @inlinable
    public func parallelChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
        if threads == 1 || count <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let workers = min(threads, count)
        let blas = BLAS.enterParallelRegion()
        defer { BLAS.leaveParallelRegion(blas) }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                body((count * w / workers)..<(count * (w + 1) / workers))
            }
        }
    }
}
