import CKernels
import Foundation
import Kernels
import Synchronization
import XCTest

/// The persistent pool: every index exactly once, whatever the counts, thread
/// counts, nesting and callers; the BLAS thread count restored; no lost wake-up.
final class ThreadPoolTests: XCTestCase {
    static let counts = [0, 1, 2, 3, 1000]
    static let threadCounts = [1, 2, 3, 8]

    /// Visit counts per index, written by disjoint indices (no two threads share a slot).
    final class Visits: @unchecked Sendable {
        let counts: UnsafeMutablePointer<Int>
        let n: Int
        init(_ n: Int) {
            self.n = n
            counts = .allocate(capacity: max(n, 1))
            counts.initialize(repeating: 0, count: max(n, 1))
        }
        deinit { counts.deallocate() }
        func hit(_ i: Int) { counts[i] += 1 }
        var allOnce: Bool { (0..<n).allSatisfy { counts[$0] == 1 } }
        func all(_ k: Int) -> Bool { (0..<n).allSatisfy { counts[$0] == k } }
    }

    func testParallelForVisitsEveryIndexOnce() {
        for threads in Self.threadCounts {
            for count in Self.counts {
                let v = Visits(count)
                ThreadPool(threads: threads).parallelFor(count) { v.hit($0) }
                XCTAssertTrue(v.allOnce, "parallelFor(\(count)) on \(threads) threads")
            }
        }
    }

    func testParallelChunksPartitionTheRange() {
        for threads in Self.threadCounts {
            for count in Self.counts {
                let v = Visits(count)
                let ranges = Mutex<[Range<Int>]>([])
                ThreadPool(threads: threads).parallelChunks(count) { r in
                    for i in r { v.hit(i) }
                    ranges.withLock { $0.append(r) }
                }
                XCTAssertTrue(v.allOnce, "parallelChunks(\(count)) on \(threads) threads")
                let sizes = ranges.withLock { $0.map(\.count) }
                XCTAssertLessThanOrEqual(sizes.count, threads)
                XCTAssertEqual(sizes.count, min(count, threads), "one range per thread when there is work")
                if let lo = sizes.min(), let hi = sizes.max() { XCTAssertLessThanOrEqual(hi - lo, 1) }
            }
        }
    }

    func testParallelTasksGivesEachRunningTaskItsOwnWorker() {
        for threads in Self.threadCounts {
            for count in Self.counts {
                let v = Visits(count)
                let busy = Mutex<Set<Int>>([])
                let clash = Mutex(false)
                ThreadPool(threads: threads).parallelTasks(count) { task, worker in
                    let fresh = busy.withLock { $0.insert(worker).inserted }
                    if !fresh || worker < 0 || worker >= threads { clash.withLock { $0 = true } }
                    v.hit(task)
                    busy.withLock { _ = $0.remove(worker) }
                }
                XCTAssertTrue(v.allOnce, "parallelTasks(\(count)) on \(threads) threads")
                XCTAssertFalse(clash.withLock { $0 }, "a worker index shared or out of 0..<\(threads)")
            }
        }
    }

    func testNestedLoopsRunInline() {
        let pool = ThreadPool(threads: 2)
        let v = Visits(4 * 5 * 3)
        pool.parallelFor(4) { i in
            pool.parallelChunks(5) { r in
                for j in r { pool.parallelFor(3) { k in v.hit((i * 5 + j) * 3 + k) } }
            }
        }
        XCTAssertTrue(v.allOnce)
        let clash = Mutex(false)
        let busy = Mutex<Set<Int>>([])
        let w = Visits(8 * 8)
        pool.parallelTasks(8) { outer, _ in
            pool.parallelTasks(8) { inner, worker in
                if !busy.withLock({ $0.insert(worker).inserted }) { clash.withLock { $0 = true } }
                w.hit(outer * 8 + inner)
                busy.withLock { _ = $0.remove(worker) }
            }
        }
        XCTAssertTrue(w.allOnce)
        XCTAssertFalse(clash.withLock { $0 }, "nested tasks on two threads shared a worker index")
    }

    func testConcurrentCallersAllComplete() {
        let callers = 4, loops = 300, count = 97
        let visits = (0..<callers).map { _ in Visits(count) }
        DispatchQueue.concurrentPerform(iterations: callers) { c in
            let pool = ThreadPool(threads: 2 + c % 2)
            for l in 0..<loops {
                if l % 2 == 0 { pool.parallelFor(count) { visits[c].hit($0) } }
                else { pool.parallelTasks(count) { t, _ in visits[c].hit(t) } }
            }
        }
        for c in 0..<callers { XCTAssertTrue(visits[c].all(loops), "caller \(c)") }
    }

    func testBLASThreadCountLoweredInsideAndRestoredAfter() {
        let saved = BLAS.threads
        defer { BLAS.threads = saved }
        for blasThreads in [1, 2, 3] {
            BLAS.threads = blasThreads
            let seen = Mutex<Set<Int>>([])
            ThreadPool(threads: 2).parallelFor(2) { _ in
                let t = BLAS.threads
                seen.withLock { _ = $0.insert(t) }
            }
            ThreadPool(threads: 2).parallelTasks(5) { _, _ in }
            ThreadPool(threads: 3).parallelChunks(10) { _ in }
            XCTAssertEqual(seen.withLock { $0 }, [1], "OpenBLAS runs single-threaded inside a loop")
            XCTAssertEqual(BLAS.threads, blasThreads, "restored after the loops")
        }
    }

    func testManyTinyLoopsLoseNoWakeUp() {
        let saved = ThreadPool.spinMicroseconds
        defer { ThreadPool.spinMicroseconds = saved }
        let pool = ThreadPool(threads: 2)
        for (spin, loops) in [(saved, 100_000), (0, 20_000)] {
            ThreadPool.spinMicroseconds = spin
            let v = Visits(2)
            for l in 0..<loops {
                pool.parallelFor(2) { v.hit($0) }
                if l % 7 == 0 { ThreadPool.parkIdleWorkers() }
            }
            XCTAssertTrue(v.all(loops), "spin \(spin) µs: \(v.counts[0]), \(v.counts[1]) of \(loops)")
        }
    }

    func testWorkersAreSharedNotCreatedPerPool() {
        ThreadPool(threads: 3).parallelFor(3) { _ in }
        let before = ThreadPool.workerThreads
        XCTAssertGreaterThanOrEqual(before, 2)
        for _ in 0..<1000 { ThreadPool(threads: 3).parallelFor(3) { _ in } }
        XCTAssertEqual(ThreadPool.workerThreads, before)
    }

    /// The calling thread's allowed CPUs, from /proc (Linux), e.g. "0-1" or "0".
    private static func allowedCPUs() -> String? {
        guard let status = try? String(contentsOfFile: "/proc/thread-self/status", encoding: .utf8) else { return nil }
        let line = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
        return line.map { $0.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces) }
    }

    /// The process's CPUs when pinning can apply here (Linux, 2 or more CPUs), else nil.
    private static func pinnableCPUs() -> String? {
        #if os(Linux)
        return ProcessInfo.processInfo.activeProcessorCount >= 2 ? allowedCPUs() : nil
        #else
        return nil
        #endif
    }

    /// Where nothing can be pinned, a caller keeps its CPUs.
    private func assertCallerUnchanged(file: StaticString = #filePath, line: UInt = #line) {
        let before = Self.allowedCPUs()
        XCTAssertEqual(ThreadPool(threads: 2).withPinnedCaller { Self.allowedCPUs() }, before, file: file, line: line)
    }

    /// Pinned: the caller runs on one CPU inside withPinnedCaller and gets its CPUs back
    /// after; worker 1 runs on one CPU, not the caller's; a second caller meanwhile, and
    /// a pool wider than the CPUs, stay unpinned.
    func testPinningPutsCallerAndWorkersOnDistinctCPUs() throws {
        guard let all = Self.pinnableCPUs() else { return assertCallerUnchanged() }
        XCTAssertTrue(ThreadPool.pinning, "on by default (unless WORKBENCH_POOL_PIN=0)")
        let pool = ThreadPool(threads: 2)
        let seen = Mutex<[Int: String]>([:])
        // A second caller on a thread started before the pin (threads inherit their creator's CPUs).
        let other = Mutex<String?>(nil), go = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        Thread {
            go.wait()
            other.withLock { $0 = pool.withPinnedCaller { Self.allowedCPUs() } }
            finished.signal()
        }.start()
        let caller = pool.withPinnedCaller { () -> String? in
            let mine = Self.allowedCPUs()
            // Enough tasks that the worker takes some (each waits a little).
            pool.parallelTasks(64) { _, worker in
                usleep(200)
                if let cpus = Self.allowedCPUs() { seen.withLock { $0[worker] = cpus } }
            }
            go.signal()
            finished.wait()
            return mine
        }
        XCTAssertEqual(other.withLock { $0 }, all, "a second caller while the CPU is held stays unpinned")
        let callerCPUs = try XCTUnwrap(caller)
        XCTAssertFalse(callerCPUs.contains(",") || callerCPUs.contains("-"), "caller pinned to one CPU: \(callerCPUs)")
        XCTAssertEqual(Self.allowedCPUs(), all, "the caller's CPUs are restored")
        let worker = try XCTUnwrap(seen.withLock { $0[1] }, "worker 1 took no task")
        XCTAssertFalse(worker.contains(",") || worker.contains("-"), "worker pinned to one CPU: \(worker)")
        XCTAssertNotEqual(worker, callerCPUs)
        let wide = ThreadPool(threads: ProcessInfo.processInfo.activeProcessorCount + 1)
        XCTAssertEqual(wide.withPinnedCaller { Self.allowedCPUs() }, all, "more threads than CPUs: not pinned")
    }

    /// Pinned threads go to distinct physical cores before any core's second hyperthread.
    func testPinningOrdersCPUsOnePerCoreFirst() {
        func order(_ cpus: [Int32], _ cores: [Int]) -> [Int32] {
            var out = [Int32](repeating: -1, count: cpus.count)
            wb_pool_order_cpus(Int32(cpus.count), cpus, cores, &out)
            return out
        }
        // Siblings numbered N/2 apart (0 and 4 share core 0), and numbered side by side.
        XCTAssertEqual(order([0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 0, 1, 2, 3]), [0, 1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(order([0, 1, 2, 3, 4, 5], [0, 0, 1, 1, 2, 2]), [0, 2, 4, 1, 3, 5])
        // Unknown cores (-1) count as distinct; another package's core 0 is another core.
        XCTAssertEqual(order([0, 1, 2], [-1, -1, -1]), [0, 1, 2])
        XCTAssertEqual(order([0, 1, 2, 3], [0, 65536, 0, 65536]), [0, 1, 2, 3])
    }

    /// Unpinned: neither the caller nor the (already created) workers are restricted.
    func testPinningOffLeavesEveryThreadOnAllCPUs() throws {
        guard let all = Self.pinnableCPUs() else { return assertCallerUnchanged() }
        let saved = ThreadPool.pinning
        defer { ThreadPool.pinning = saved }
        ThreadPool.pinning = false
        let pool = ThreadPool(threads: 2)
        let seen = Mutex<[Int: String]>([:])
        let caller = pool.withPinnedCaller { () -> String? in
            pool.parallelTasks(64) { _, worker in
                usleep(200)
                if let cpus = Self.allowedCPUs() { seen.withLock { $0[worker] = cpus } }
            }
            return Self.allowedCPUs()
        }
        XCTAssertEqual(caller, all)
        XCTAssertEqual(try XCTUnwrap(seen.withLock { $0[1] }, "worker 1 took no task"), all)
    }

    func testSpinSettingClamps() {
        let saved = ThreadPool.spinMicroseconds
        defer { ThreadPool.spinMicroseconds = saved }
        ThreadPool.spinMicroseconds = -5
        XCTAssertEqual(ThreadPool.spinMicroseconds, 0)
        ThreadPool.spinMicroseconds = 123
        XCTAssertEqual(ThreadPool.spinMicroseconds, 123)
        XCTAssertEqual(ThreadPool(threads: 0).threads, 1)
    }
}
