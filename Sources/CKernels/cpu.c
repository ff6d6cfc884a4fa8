#include "CKernels.h"
#include <stdlib.h>
#include <string.h>

// The instruction set the kernels may use: what the CPU and OS support, capped by
// WORKBENCH_ISA (portable | avx2 | avx512; read once) and by wb_cpu_cap_isa (tests).

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static int detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return WB_ISA_PORTABLE;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx)) return WB_ISA_PORTABLE;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return WB_ISA_PORTABLE;  // the OS saves XMM and YMM state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return WB_ISA_PORTABLE;
    if (!((b >> 5) & 1)) return WB_ISA_PORTABLE;  // AVX2
    // AVX-512F, with the OS saving the opmask and all 32 ZMM registers (XCR0 bits 5-7).
    if (((b >> 16) & 1) && (lo & 0xE0) == 0xE0) return WB_ISA_AVX512;
    return WB_ISA_AVX2;
}
#else
static int detect(void) { return WB_ISA_PORTABLE; }
#endif

static int cached = -1;
static int cap = -1;  // set by wb_cpu_cap_isa (tests); -1: none

static int requested(void) {
    const char *v = getenv("WORKBENCH_ISA");
    if (!v || !*v) return WB_ISA_AVX512;
    if (!strcmp(v, "portable")) return WB_ISA_PORTABLE;
    if (!strcmp(v, "avx2")) return WB_ISA_AVX2;
    return WB_ISA_AVX512;
}

int wb_cpu_isa(void) {
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        v = detect();
        int wanted = requested();
        if (v > wanted) v = wanted;
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    int c = __atomic_load_n(&cap, __ATOMIC_RELAXED);
    return c >= 0 && c < v ? c : v;
}

int wb_cpu_has_avx2_fma(void) { return wb_cpu_isa() >= WB_ISA_AVX2; }

void wb_cpu_cap_isa(int level) { __atomic_store_n(&cap, level < 0 ? -1 : level, __ATOMIC_RELAXED); }
