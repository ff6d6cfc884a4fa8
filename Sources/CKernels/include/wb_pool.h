// The workbench's persistent thread pool (used by Kernels' ThreadPool only):
// one process-wide set of worker threads, grown on demand, that spin for a
// bounded time between parallel loops and then park on a futex.
#ifndef WORKBENCH_WB_POOL_H
#define WORKBENCH_WB_POOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The most threads (the caller included) one loop runs on.
#define WB_POOL_MAX_PARTICIPANTS 64

/// The most chunks one loop may have.
#define WB_POOL_MAX_CHUNKS (1 << 30)

/// A loop body: runs chunk `chunk` on the thread whose participant index is `worker`.
typedef void (*wb_pool_fn)(void *ctx, ptrdiff_t chunk, ptrdiff_t worker);

/// Runs fn(ctx, c, w) once for every chunk c in [0, chunks), spread over up to
/// `participants` threads (the caller is one of them), and returns when all
/// have finished. Chunks are claimed dynamically (an idle thread takes the
/// next one), so a slow or sleeping worker never holds the loop up beyond the
/// chunk it took. Runs inline on the caller when participants <= 1, when the
/// pool is busy with another loop (a nested loop, or another thread's), or
/// when no worker thread can be created. Returns the number of threads that
/// could take part (1 when inline). `chunks` is clamped to WB_POOL_MAX_CHUNKS.
ptrdiff_t wb_pool_run(ptrdiff_t participants, ptrdiff_t chunks, wb_pool_fn fn, void *ctx);

/// Asks idle workers that are spinning to park now (cheap when none spins).
void wb_pool_park(void);

/// How long (ns) idle workers spin before they park; negative values mean 0.
void wb_pool_set_spin_ns(int64_t ns);
int64_t wb_pool_spin_ns(void);

/// The number of worker threads created so far (the caller not counted).
ptrdiff_t wb_pool_workers(void);

/// CPU pinning (Linux; on by default, WORKBENCH_POOL_PIN=0 turns it off):
/// worker k runs only on the k-th CPU the process was allowed when the pool
/// started, and a caller that pins itself for a stretch of loops (an
/// inference) runs on the first. Unpinned, the scheduler woke a worker that
/// had slept through an idle pause onto its waker's CPU, and both shared one
/// core for milliseconds until the load balancer moved one.
///
/// wb_pool_pin_caller pins the calling thread to the first CPU when pinning
/// is on, `participants` is 2 to the number of CPUs, and no other caller
/// holds that CPU; it returns a token for wb_pool_unpin_caller, which
/// restores the thread's CPUs (0: nothing was pinned, nothing to restore).
int wb_pool_pin_caller(ptrdiff_t participants);
void wb_pool_unpin_caller(int token);

/// The order pinning hands out CPUs: one per physical core first (cores[i] identifies
/// cpus[i]'s core, negative when unknown), then the SMT siblings, each group in the given
/// order (two threads on the two hyperthreads of one core would share its FMA units).
void wb_pool_order_cpus(int n, const int *cpus, const long *cores, int *out);

/// Turns pinning on or off (existing workers are re-pinned or freed).
void wb_pool_set_pinning(int on);
int wb_pool_pinning(void);

/// The calling thread's participant index: k on worker thread k, else 0.
ptrdiff_t wb_pool_current_worker(void);

#ifdef __cplusplus
}
#endif

#endif
