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

/// The calling thread's participant index: k on worker thread k, else 0.
ptrdiff_t wb_pool_current_worker(void);

#ifdef __cplusplus
}
#endif

#endif
