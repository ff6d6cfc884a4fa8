import CKernels

/// Parallel loops for kernels, sized once per execution context.
///
/// With `threads == 1` every loop runs inline on the caller's thread. With
/// more, a loop runs on one process-wide set of persistent worker threads
/// (created on first use, grown on demand, never more than 64 per loop) with
/// the caller taking part as worker 0: the caller publishes the loop, wakes
/// any parked worker, runs chunks itself and spins until the last chunk is
/// done (after 50 µs it sleeps until the last worker wakes it). Chunks are
/// claimed dynamically, so a worker that is late (asleep, or preempted by
/// another process) never holds a loop up: the caller runs the chunks nobody
/// took. Between loops, idle workers spin for ``spinMicroseconds`` (default
/// 200 µs; environment `WORKBENCH_POOL_SPIN_US`), then park on a futex until
/// the next loop. Spinning pays only on idle cores: a spinning worker that
/// gets preempted parks at once, and with the environment variable
/// `WORKBENCH_POOL_BACKOFF_MS` set no worker spins for that long after (off by
/// default: a virtual machine's host preempts vCPUs dozens of times a second,
/// which kept the pool from spinning at all with a 50 ms default).
/// Nothing is allocated per loop.
///
/// The value is a plain `Sendable` description (a thread count): contexts
/// create it freely, and all instances share the workers. One loop runs on
/// the workers at a time; a loop started while another runs, from a loop
/// body (nested) or from another thread (another context), runs inline on
/// its caller's thread, so loops never deadlock and always complete.
///
/// The BLAS threading rule: our threads and OpenBLAS's never run at once.
/// OpenBLAS's thread count is process-wide; an execution context sets it to
/// the engine's thread count, so a BLAS call made outside a parallel loop
/// uses all threads, and before such a multithreaded call ``BLAS`` asks our
/// spinning workers to park (``parkIdleWorkers()``) so they do not take a
/// core from OpenBLAS's threads (`WORKBENCH_POOL_BLAS_PARK=0` turns that off,
/// for measuring). While a parallel loop runs on more than one
/// worker, it lowers OpenBLAS to one thread (and restores it after), so BLAS
/// calls made inside the loop body each run single-threaded on their
/// worker. A kernel therefore chooses between "one BLAS call, BLAS threads"
/// and "our panels, one BLAS thread each" just by calling BLAS outside or
/// inside a loop.
public struct ThreadPool: Sendable {
    /// The number of threads a loop may use, the caller's included (at least 1).
    public let threads: Int

    /// A pool of `threads` threads (values below 1 mean 1).
    public init(threads: Int) { self.threads = max(1, threads) }

    /// Runs `body(i)` for every `i` in `0..<count`, in at most ``threads``
    /// contiguous chunks run in parallel.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if threads == 1 || count <= 1 {
            for i in 0..<max(count, 0) { body(i) }
            return
        }
        let chunks = min(threads, count, Int(WB_POOL_MAX_PARTICIPANTS))
        run(count: count, chunks: chunks) { range, _ in
            for i in range { body(i) }
        }
    }

    /// Runs `body(range)` over `0..<count` split into at most ``threads``
    /// contiguous ranges (of sizes differing by at most one), in parallel.
    public func parallelChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
        if threads == 1 || count <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        let chunks = min(threads, count, Int(WB_POOL_MAX_PARTICIPANTS))
        run(count: count, chunks: chunks) { range, _ in body(range) }
    }

    /// Runs `body(task, worker)` for every `task` in `0..<count`, each task
    /// claimed by whichever thread is free next (dynamic scheduling: for
    /// tasks of uneven cost, or more tasks than threads).
    ///
    /// `worker` identifies the thread running the task, for per-worker
    /// scratch: no two tasks running at the same time see the same `worker`,
    /// and it is below ``threads`` (the caller is 0). A nested call (from a
    /// body of an enclosing loop) runs inline and reports the enclosing
    /// loop's worker, so it is below the enclosing pool's ``threads``.
    public func parallelTasks(_ count: Int, _ body: (_ task: Int, _ worker: Int) -> Void) {
        guard count > 0 else { return }
        if threads == 1 || count == 1 {
            let worker = wb_pool_current_worker()
            for t in 0..<count { body(t, worker) }
            return
        }
        run(count: count, chunks: min(count, Int(WB_POOL_MAX_CHUNKS))) { range, worker in
            for t in range { body(t, worker) }
        }
    }

    /// Runs `body(range, worker)` for `chunks` ranges splitting `0..<count`,
    /// on up to ``threads`` threads, with OpenBLAS on one thread meanwhile.
    private func run(count: Int, chunks: Int, _ body: (Range<Int>, Int) -> Void) {
        let blas = BLAS.enterParallelRegion()
        defer { BLAS.leaveParallelRegion(blas) }
        withoutActuallyEscaping(body) { body in
            // The job lives on this stack frame for the whole call: wb_pool_run
            // returns only after every chunk has run, and workers read the job
            // only while they run one of its chunks. Chunks touch disjoint data
            // by the loop's contract.
            let job = PoolJob(count: count, chunks: chunks, body: body)
            withUnsafePointer(to: job) { p in
                _ = wb_pool_run(threads, chunks, { ctx, chunk, worker in
                    guard let ctx else { return }
                    let job = ctx.assumingMemoryBound(to: PoolJob.self)
                    job.pointee.body(job.pointee.range(chunk), worker)
                }, UnsafeMutableRawPointer(mutating: p))
            }
        }
    }

    /// How long (µs) idle workers spin waiting for the next loop before they
    /// park (process-wide; 0 parks at once). A parked worker costs a futex
    /// wake-up (tens of µs) when the next loop starts; a spinning one costs a core.
    public static var spinMicroseconds: Int {
        get { Int(wb_pool_spin_ns() / 1000) }
        set {
            let us = Int64(clamping: max(0, newValue))
            wb_pool_set_spin_ns(us > Int64.max / 1000 ? Int64.max : us * 1000)
        }
    }

    /// Whether the pool's threads are pinned to CPUs (Linux; process-wide, on by
    /// default, environment `WORKBENCH_POOL_PIN=0` for off): worker k runs on the k-th
    /// CPU the process may use and a caller inside ``withPinnedCaller(_:)`` on the first.
    /// Unpinned, a worker woken after an idle pause (a request every 50 ms) landed on its
    /// waker's CPU and the two shared one core for milliseconds (see wb_pool.h); pinning
    /// costs a core that another busy process also wants, so it can be turned off.
    public static var pinning: Bool {
        get { wb_pool_pinning() != 0 }
        set { wb_pool_set_pinning(newValue ? 1 : 0) }
    }

    /// Runs `body` with the calling thread pinned to the CPU no worker uses (when
    /// ``pinning`` is on, ``threads`` is 2 up to the CPUs the process may use, and no
    /// other thread is inside this call), then restores the thread's CPUs.
    public func withPinnedCaller<R>(_ body: () throws -> R) rethrows -> R {
        let token = threads > 1 ? wb_pool_pin_caller(threads) : 0
        defer { wb_pool_unpin_caller(token) }
        return try body()
    }

    /// Asks idle workers that are spinning to park now (cheap when none
    /// spins); ``BLAS`` calls it before each multithreaded OpenBLAS call.
    public static func parkIdleWorkers() { wb_pool_park() }

    /// The number of worker threads created so far in this process (the callers not counted).
    public static var workerThreads: Int { wb_pool_workers() }
}

/// One loop handed to the workers: `0..<count` split into `chunks` ranges.
private struct PoolJob {
    let count: Int
    let chunks: Int
    let body: (Range<Int>, Int) -> Void

    /// Chunk `c`'s range: sizes `count / chunks`, the first `count % chunks` one larger.
    func range(_ c: Int) -> Range<Int> {
        let base = count / chunks, extra = count % chunks
        let lower = c * base + min(c, extra)
        return lower..<(lower + base + (c < extra ? 1 : 0))
    }
}
