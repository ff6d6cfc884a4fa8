// The persistent thread pool behind Kernels' ThreadPool (see wb_pool.h).
//
// One process-wide set of worker threads, created on demand; worker k has a
// slot whose 32-bit `gen` word the caller bumps to hand it a loop. A loop's
// chunks are claimed from one 64-bit word, (generation << 32) | chunks left,
// by compare-and-swap: a thread that was late for a loop sees another
// generation and claims nothing, so no one ever waits for a worker that has
// not started (the caller runs the chunks itself instead). Idle workers spin
// on their slot for a bounded time, then park on it (a futex on Linux).
#define _GNU_SOURCE
#include "wb_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax(void) { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cpu_relax(void) { __asm__ volatile("yield" ::: "memory"); }
#else
static inline void cpu_relax(void) {}
#endif

typedef struct {
    _Alignas(64) _Atomic uint32_t gen;  // futex word: the last loop handed to this worker
    _Atomic int parked;                 // 1 while the worker is (about to be) asleep on gen
    uint32_t start;                     // gen when the thread was created (set before pthread_create)
    pthread_t thread;                   // valid for k in 1...workers
} slot_t;

static slot_t slots[WB_POOL_MAX_PARTICIPANTS];
// Held while workers are created or their CPUs change.
static pthread_mutex_t grow = PTHREAD_MUTEX_INITIALIZER;

static struct {
    _Alignas(64) _Atomic int busy;     // held by the caller running a loop
    _Alignas(64) _Atomic uint64_t claim;
    _Alignas(64) _Atomic ptrdiff_t done;
    _Atomic uint32_t caller_asleep;    // futex word: 1 while the caller sleeps until done == chunks
    ptrdiff_t chunks;                   // the loop's chunk count (written under busy before claim)
    _Alignas(64) wb_pool_fn fn;         // written under busy before claim is published
    void *ctx;
    uint32_t gen;                       // caller only, under busy
    _Atomic ptrdiff_t workers;
    _Atomic int spinning;
    _Atomic uint32_t park_epoch;
    _Atomic int64_t spin_ns;
    _Atomic int64_t quiet_after;        // no worker spins before this time (ns; after contention)
    _Atomic int blas_park;              // 0: wb_pool_park does nothing (WORKBENCH_POOL_BLAS_PARK=0)
    _Atomic int64_t backoff_ns;         // no spinning this long after contention (WORKBENCH_POOL_BACKOFF_MS)
    _Atomic int pin;                    // 1: threads pinned to CPUs (WORKBENCH_POOL_PIN=0 turns it off)
    _Atomic int caller_pinned;          // 1 while a caller holds CPU cpus[0] (wb_pool_pin_caller)
    int ncpus;                          // the CPUs the process may run on when the pool was configured
    int cpus[WB_POOL_MAX_PARTICIPANTS];
} pool = {.spin_ns = 200000, .blas_park = 1, .backoff_ns = 0, .pin = 1};

static _Thread_local ptrdiff_t tls_worker = 0;

/// A spinning worker that lost its core for this long (ns) was preempted: the cores are wanted.
#define WB_POOL_CONTENDED_NS 30000

/// How long (ns) the caller spins for workers' last chunks before it sleeps.
#define WB_POOL_CALLER_SPIN_NS 50000

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void futex_wait(_Atomic uint32_t *word, uint32_t expected) {
#if defined(__linux__)
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
#else
    struct timespec t = {0, 50000};
    if (atomic_load(word) == expected) nanosleep(&t, NULL);
#endif
}

static void futex_wake(_Atomic uint32_t *word) {
#if defined(__linux__)
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
#else
    (void)word;
#endif
}

/// Counts a finished chunk; the thread finishing a worker-run loop's last
/// chunk wakes the caller if it went to sleep waiting for it.
static void finish_chunk(ptrdiff_t worker) {
    if (worker == 0) {
        atomic_fetch_add_explicit(&pool.done, 1, memory_order_release);
        return;
    }
    ptrdiff_t chunks = pool.chunks;  // read before the loop can end
    if (atomic_fetch_add(&pool.done, 1) + 1 == chunks && atomic_load(&pool.caller_asleep)) {
        atomic_store(&pool.caller_asleep, 0);
        futex_wake(&pool.caller_asleep);
    }
}

/// Claims and runs chunks of loop `g` until none is left (or another loop has begun).
static void run_chunks(uint32_t g, ptrdiff_t worker) {
    uint64_t cur = atomic_load_explicit(&pool.claim, memory_order_acquire);
    while ((uint32_t)(cur >> 32) == g && (uint32_t)cur != 0) {
        if (atomic_compare_exchange_weak_explicit(&pool.claim, &cur, cur - 1,
                                                  memory_order_acquire, memory_order_acquire)) {
            pool.fn(pool.ctx, (ptrdiff_t)(uint32_t)cur - 1, worker);
            finish_chunk(worker);
            cur = atomic_load_explicit(&pool.claim, memory_order_acquire);
        }
    }
}

/// Waits until the slot's gen differs from `seen`: spins, then parks.
///
/// Spinning is free only on an idle core. Every ~3 µs the spinner yields
/// (to a thread of ours waiting for this core) and checks the clock: a gap
/// longer than WB_POOL_CONTENDED_NS means it was preempted, so the cores are
/// wanted by other threads (another process, or our own caller): it parks,
/// and no worker spins for the next backoff_ns (WORKBENCH_POOL_BACKOFF_MS).
///
/// The backoff is off by default. On a virtual machine the host takes a
/// vCPU away for 30 µs to 4 ms dozens of times a second even when the guest
/// is idle (two spinning threads here: 60-230 gaps over 30 µs and 3-8 over
/// 1 ms each in 3 s), so a 50 ms backoff kept the pool from spinning most of
/// the time: every loop woke its worker through a futex (about 230 per
/// inference), and the encoder at 1×16 ran 1.15-1.67× slower after an idle
/// pause than without the backoff. Parking at once on a gap is kept.
static uint32_t wait_for_loop(slot_t *s, uint32_t seen) {
    uint32_t g = atomic_load_explicit(&s->gen, memory_order_acquire);
    if (g != seen) return g;
    int64_t spin = atomic_load_explicit(&pool.spin_ns, memory_order_relaxed);
    int64_t start = spin > 0 ? now_ns() : 0;
    if (spin > 0 && start >= atomic_load_explicit(&pool.quiet_after, memory_order_relaxed)) {
        uint32_t epoch = atomic_load_explicit(&pool.park_epoch, memory_order_relaxed);
        atomic_fetch_add_explicit(&pool.spinning, 1, memory_order_relaxed);
        int64_t last = start;
        for (unsigned i = 1;; i++) {
            cpu_relax();
            g = atomic_load_explicit(&s->gen, memory_order_acquire);
            if (g != seen) break;
            if ((i & 63) != 0) continue;
            if (atomic_load_explicit(&pool.park_epoch, memory_order_relaxed) != epoch) break;
            sched_yield();
            int64_t t = now_ns();
            if (t - last > WB_POOL_CONTENDED_NS) {
                atomic_store_explicit(&pool.quiet_after, t + atomic_load_explicit(&pool.backoff_ns, memory_order_relaxed), memory_order_relaxed);
                break;
            }
            if (t - start >= spin) break;
            last = t;
        }
        atomic_fetch_sub_explicit(&pool.spinning, 1, memory_order_relaxed);
        if (g != seen) return g;
    }
    for (;;) {
        atomic_store(&s->parked, 1);  // seq_cst: pairs with the caller's store of gen, then load of parked
        g = atomic_load(&s->gen);
        if (g == seen) futex_wait(&s->gen, seen);
        atomic_store_explicit(&s->parked, 0, memory_order_relaxed);
        g = atomic_load_explicit(&s->gen, memory_order_acquire);
        if (g != seen) return g;
    }
}

static void *worker_main(void *arg) {
    ptrdiff_t k = (ptrdiff_t)arg;
    tls_worker = k;
    slot_t *s = &slots[k];
    uint32_t seen = s->start;
    for (;;) {
        seen = wait_for_loop(s, seen);
        run_chunks(seen, k);
    }
    return NULL;
}

static void after_fork_in_child(void) {
    // Only the forking thread exists in the child: forget the workers (loops
    // then run on the caller alone until new workers are created).
    atomic_store(&pool.workers, 0);
    atomic_store(&pool.spinning, 0);
    atomic_store(&pool.busy, 0);
    atomic_store(&pool.caller_pinned, 0);
    pthread_mutex_init(&grow, NULL);
    for (int k = 0; k < WB_POOL_MAX_PARTICIPANTS; k++) atomic_store(&slots[k].parked, 0);
}

static pthread_once_t configured = PTHREAD_ONCE_INIT;

void wb_pool_order_cpus(int n, const int *cpus, const long *cores, int *out) {
    int k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++) {
            int first = 1;
            for (int j = 0; j < i && first; j++) first = cores[i] < 0 || cores[j] != cores[i];
            if (first == (pass == 0)) out[k++] = cpus[i];
        }
}

#if defined(__linux__)
/// CPU c's physical core as package·65536 + core id, from sysfs (-1 when unknown).
static long core_of(int c) {
    long ids[2] = {-1, -1};
    const char *names[2] = {"physical_package_id", "core_id"};
    for (int k = 0; k < 2; k++) {
        char path[96];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/%s", c, names[k]);
        FILE *f = fopen(path, "r");
        if (!f) return -1;
        if (fscanf(f, "%ld", &ids[k]) != 1) ids[k] = -1;
        fclose(f);
        if (ids[k] < 0) return -1;
    }
    return ids[0] * 65536 + ids[1];
}
#endif

static void configure(void) {
    const char *env = getenv("WORKBENCH_POOL_SPIN_US");
    if (env && *env) {
        char *end = NULL;
        long long us = strtoll(env, &end, 10);
        if (end && *end == 0 && us >= 0 && us < 60000000) atomic_store(&pool.spin_ns, (int64_t)us * 1000);
    }
    const char *backoff = getenv("WORKBENCH_POOL_BACKOFF_MS");
    if (backoff && *backoff) {
        char *end = NULL;
        long long ms = strtoll(backoff, &end, 10);
        if (end && *end == 0 && ms >= 0 && ms < 3600000) atomic_store(&pool.backoff_ns, (int64_t)ms * 1000000);
    }
    const char *park = getenv("WORKBENCH_POOL_BLAS_PARK");
    if (park && park[0] == '0' && park[1] == 0) atomic_store(&pool.blas_park, 0);
    const char *pin = getenv("WORKBENCH_POOL_PIN");
    if (pin && pin[0] == '0' && pin[1] == 0) atomic_store(&pool.pin, 0);
#if defined(__linux__)
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
        // One CPU per physical core first, then their SMT siblings: two threads pinned to
        // the two hyperthreads of one core would share its FMA units.
        static int all[CPU_SETSIZE], ordered[CPU_SETSIZE];
        static long core[CPU_SETSIZE];
        int n = 0;
        for (int c = 0; c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &allowed)) { core[n] = core_of(c); all[n++] = c; }
        wb_pool_order_cpus(n, all, core, ordered);
        for (int i = 0; i < n && pool.ncpus < WB_POOL_MAX_PARTICIPANTS; i++) pool.cpus[pool.ncpus++] = ordered[i];
    }
#endif
    pthread_atfork(NULL, NULL, after_fork_in_child);
}

static void configure_once(void) { pthread_once(&configured, configure); }

#if defined(__linux__)
/// Worker k's CPUs: cpus[k] when pinning (and the pool has that many CPUs), else all of them.
static void worker_cpus(ptrdiff_t k, cpu_set_t *set) {
    CPU_ZERO(set);
    if (atomic_load(&pool.pin) && k < pool.ncpus) CPU_SET(pool.cpus[k], set);
    else for (int i = 0; i < pool.ncpus; i++) CPU_SET(pool.cpus[i], set);
}
#endif

/// Makes sure workers 1..<need exist (called under busy); returns how many do.
static ptrdiff_t ensure_workers(ptrdiff_t need) {
    ptrdiff_t have = atomic_load_explicit(&pool.workers, memory_order_relaxed);
    if (have >= need) return have;
    configure_once();
    pthread_mutex_lock(&grow);
    have = atomic_load(&pool.workers);
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) {
        pthread_mutex_unlock(&grow);
        return have;
    }
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    while (have < need) {
        ptrdiff_t k = have + 1;
        slots[k].start = atomic_load(&slots[k].gen);
#if defined(__linux__)
        cpu_set_t set;
        worker_cpus(k, &set);
        if (pool.ncpus > 0) pthread_attr_setaffinity_np(&attr, sizeof set, &set);
#endif
        if (pthread_create(&slots[k].thread, &attr, worker_main, (void *)k) != 0) break;
        have++;
    }
    pthread_attr_destroy(&attr);
    atomic_store(&pool.workers, have);
    pthread_mutex_unlock(&grow);
    return have;
}

/// Waits until workers have finished the loop's last chunks: spins for up
/// to WB_POOL_CALLER_SPIN_NS (they are usually about to finish), then sleeps
/// until the last one wakes it (on a loaded machine a preempted worker may
/// take a scheduler slice; yielding would hand the core to another process).
static void wait_for_workers(ptrdiff_t chunks) {
    int64_t start = 0;
    for (unsigned i = 1; atomic_load_explicit(&pool.done, memory_order_acquire) < chunks; i++) {
        cpu_relax();
        if ((i & 63) != 0) continue;
        int64_t t = now_ns();
        if (start == 0) start = t;
        if (t - start < WB_POOL_CALLER_SPIN_NS) continue;
        atomic_store(&pool.caller_asleep, 1);  // seq_cst: pairs with the last worker's add to done, then load
        if (atomic_load(&pool.done) < chunks) futex_wait(&pool.caller_asleep, 1);
        atomic_store_explicit(&pool.caller_asleep, 0, memory_order_relaxed);
    }
    atomic_thread_fence(memory_order_acquire);
}

static void run_inline(ptrdiff_t chunks, wb_pool_fn fn, void *ctx) {
    ptrdiff_t worker = tls_worker;
    for (ptrdiff_t c = 0; c < chunks; c++) fn(ctx, c, worker);
}

ptrdiff_t wb_pool_run(ptrdiff_t participants, ptrdiff_t chunks, wb_pool_fn fn, void *ctx) {
    if (chunks <= 0) return 1;
    if (chunks > WB_POOL_MAX_CHUNKS) chunks = WB_POOL_MAX_CHUNKS;
    if (participants > chunks) participants = chunks;
    if (participants > WB_POOL_MAX_PARTICIPANTS) participants = WB_POOL_MAX_PARTICIPANTS;
    int idle = 0;
    if (participants <= 1 || atomic_load_explicit(&pool.busy, memory_order_relaxed) ||
        !atomic_compare_exchange_strong_explicit(&pool.busy, &idle, 1, memory_order_acquire, memory_order_relaxed)) {
        run_inline(chunks, fn, ctx);
        return 1;
    }
    ptrdiff_t helpers = ensure_workers(participants - 1);
    if (helpers > participants - 1) helpers = participants - 1;
    uint32_t g = ++pool.gen;
    pool.fn = fn;
    pool.ctx = ctx;
    pool.chunks = chunks;
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    atomic_store_explicit(&pool.claim, ((uint64_t)g << 32) | (uint64_t)chunks, memory_order_release);
    for (ptrdiff_t k = 1; k <= helpers; k++) {
        atomic_store(&slots[k].gen, g);  // seq_cst: pairs with the worker's store of parked, then load of gen
        if (atomic_load(&slots[k].parked)) futex_wake(&slots[k].gen);
    }
    run_chunks(g, tls_worker);
    wait_for_workers(chunks);
    atomic_store_explicit(&pool.busy, 0, memory_order_release);
    return helpers + 1;
}

void wb_pool_park(void) {
    if (atomic_load_explicit(&pool.spinning, memory_order_relaxed) > 0 &&
        atomic_load_explicit(&pool.blas_park, memory_order_relaxed))
        atomic_fetch_add_explicit(&pool.park_epoch, 1, memory_order_relaxed);
}

void wb_pool_set_spin_ns(int64_t ns) {
    configure_once();
    atomic_store_explicit(&pool.spin_ns, ns < 0 ? 0 : ns, memory_order_relaxed);
}

int64_t wb_pool_spin_ns(void) {
    configure_once();
    return atomic_load_explicit(&pool.spin_ns, memory_order_relaxed);
}

ptrdiff_t wb_pool_workers(void) { return atomic_load_explicit(&pool.workers, memory_order_relaxed); }

// The caller's CPU mask before wb_pool_pin_caller, restored by wb_pool_unpin_caller.
#if defined(__linux__)
static _Thread_local cpu_set_t caller_mask;
#endif

int wb_pool_pin_caller(ptrdiff_t participants) {
    configure_once();
#if defined(__linux__)
    int unheld = 0;
    if (participants < 2 || participants > pool.ncpus || !atomic_load(&pool.pin) ||
        !atomic_compare_exchange_strong(&pool.caller_pinned, &unheld, 1))
        return 0;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(pool.cpus[0], &one);
    if (pthread_getaffinity_np(pthread_self(), sizeof caller_mask, &caller_mask) != 0 ||
        pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0) {
        atomic_store(&pool.caller_pinned, 0);
        return 0;
    }
    return 1;
#else
    (void)participants;
    return 0;
#endif
}

void wb_pool_unpin_caller(int token) {
#if defined(__linux__)
    if (!token) return;
    pthread_setaffinity_np(pthread_self(), sizeof caller_mask, &caller_mask);
    atomic_store(&pool.caller_pinned, 0);
#else
    (void)token;
#endif
}

void wb_pool_set_pinning(int on) {
    configure_once();
    pthread_mutex_lock(&grow);
    atomic_store(&pool.pin, on != 0);
#if defined(__linux__)
    ptrdiff_t have = atomic_load(&pool.workers);
    for (ptrdiff_t k = 1; k <= have && pool.ncpus > 0; k++) {
        cpu_set_t set;
        worker_cpus(k, &set);
        pthread_setaffinity_np(slots[k].thread, sizeof set, &set);
    }
#endif
    pthread_mutex_unlock(&grow);
}

int wb_pool_pinning(void) {
    configure_once();
    return atomic_load(&pool.pin);
}

ptrdiff_t wb_pool_current_worker(void) { return tls_worker; }
