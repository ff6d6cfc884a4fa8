// The packed-weight GEMM: C = A·B with B packed once (at build time) into
// panels of 16 columns, each panel k×16 contiguous floats (zero past n).
//
// One call computes one tile of C: rows [0, m) of A against `panels`
// consecutive panels. K is split into blocks of `kc`; for each block the
// tile's rows of A are copied into 6-row micro-panels (thread-local scratch,
// allocated once per thread), and a 6×16 register block of C runs the whole
// k-block per (panel, row group), so the 16·kc panel slice stays in L1 while
// the row groups pass over it and A's block stays in L2. For a few rows the
// panel is read exactly once, front to back: the weights stream at memory
// speed, which is what bounds the small batches.
#include "CKernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NR 16
// Rows of B (64 bytes each) a block prefetches into L2 ahead of its loads, besides the L1
// prefetch 8 rows ahead: the weights of a few-row GEMM stream from memory, and with the
// hardware prefetchers alone the hackathon encoder ran slower (interleaved runs, 50 ms idle
// before each): 1×16 by 4-11%, 4×16 and 1×64 by 12-16%, 4×64 by 5%, large cells by 0-7%.
#define PF_L2 128
#define MR 6        // rows of an AVX2 (and portable) block
#define MR512 16    // rows of an AVX-512 block (see block512)
#define AVX512_MIN_ROWS 9

size_t wb_packed_b_floats(ptrdiff_t k, ptrdiff_t n) {
    if (k <= 0 || n <= 0) return 0;
    return (size_t)((n + NR - 1) / NR) * NR * (size_t)k;
}

static ptrdiff_t pack_rows16(int rows, ptrdiff_t kc, const float *a, ptrdiff_t lda, float *out);

void wb_pack_b(ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t ldb, int transposed, float *packed) {
    ptrdiff_t panels = (n + NR - 1) / NR;
    for (ptrdiff_t j = 0; j < panels; j++) {
        float *dst = packed + j * NR * k;
        ptrdiff_t j0 = j * NR, w = n - j0 < NR ? n - j0 : NR;
        // Bᵀ's 16 rows are a panel transposed: A's 16-row micro-panel layout (the attention
        // tiles pack their keys this way for every (batch, head)).
        ptrdiff_t p = transposed ? pack_rows16((int)w, k, b + j0 * ldb, ldb, dst) : 0;
        for (; p < k; p++) {
            float *row = dst + p * NR;
            for (ptrdiff_t q = 0; q < w; q++)
                row[q] = transposed ? b[(j0 + q) * ldb + p] : b[p * ldb + j0 + q];
            for (ptrdiff_t q = w; q < NR; q++) row[q] = 0;
        }
    }
}

// Thread-local scratch for A's micro-panels (grown, never shrunk; freed when the thread exits).
static _Thread_local float *scratch;
static _Thread_local size_t scratchFloats;
// What the scratch holds: all K blocks of A's rows for one call (0: nothing reusable). A thread
// claims a call's tiles in order, so its next tile usually has the same rows and skips packing.
static _Thread_local struct { uint64_t call; const float *a; ptrdiff_t m, k, kc, mr; } held;
static _Atomic uint64_t calls;

uint64_t wb_packed_call_id(void) { return atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed) + 1; }
static pthread_key_t scratchKey;
static pthread_once_t scratchOnce = PTHREAD_ONCE_INIT;

static void make_key(void) { pthread_key_create(&scratchKey, free); }

static float *a_scratch(size_t floats) {
    if (floats > scratchFloats) {
        held.call = 0;
        pthread_once(&scratchOnce, make_key);
        free(scratch);
        size_t bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
        scratch = aligned_alloc(64, bytes);
        scratchFloats = scratch ? floats : 0;
        pthread_setspecific(scratchKey, scratch);
    }
    return scratch;
}

#if defined(__x86_64__)
#include <immintrin.h>
#define INLINE_AVX2 static inline __attribute__((always_inline, target("avx2,fma")))
// 16-row groups, 8 columns at a time: two 8×8 transposes in registers per 16×8 block
// (the scalar copy took 8% of BERT's time at 1×64 and 16×256). Returns the columns done.
// R = 16 for whole groups; a last group of R < 16 rows reads only those and packs zeros past
// them. Its scalar copy was slow where it mattered most: A's rows lie 4 KB apart for K = 1024,
// so the copy's column walk hit one L1 set (cold weights, 2 threads, 136 GEMMs of 15×256×1024:
// 6.9 → 5.3 ms; the encoder at 1×64 and 4×16 about 6% faster, interleaved, 100 rounds).
INLINE_AVX2 ptrdiff_t pack16_avx2(int R, ptrdiff_t kc, const float *a, ptrdiff_t lda, float *out) {
    ptrdiff_t p = 0;
    const __m256 z = _mm256_setzero_ps();
#define LOADROW(i) (8 * h + (i) < R ? _mm256_loadu_ps(src + (i) * lda) : z)
    for (; p + 8 <= kc; p += 8) {
        for (int h = 0; h < 2; h++) {
            const float *src = a + 8 * h * lda + p;
            __m256 r0 = LOADROW(0), r1 = LOADROW(1), r2 = LOADROW(2), r3 = LOADROW(3), r4 = LOADROW(4),
                   r5 = LOADROW(5), r6 = LOADROW(6), r7 = LOADROW(7);
            __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
            __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
            __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
            __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
            __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
            float *dst = out + p * 16 + 8 * h;
            _mm256_storeu_ps(dst + 0 * 16, _mm256_permute2f128_ps(s0, s4, 0x20));
            _mm256_storeu_ps(dst + 1 * 16, _mm256_permute2f128_ps(s1, s5, 0x20));
            _mm256_storeu_ps(dst + 2 * 16, _mm256_permute2f128_ps(s2, s6, 0x20));
            _mm256_storeu_ps(dst + 3 * 16, _mm256_permute2f128_ps(s3, s7, 0x20));
            _mm256_storeu_ps(dst + 4 * 16, _mm256_permute2f128_ps(s0, s4, 0x31));
            _mm256_storeu_ps(dst + 5 * 16, _mm256_permute2f128_ps(s1, s5, 0x31));
            _mm256_storeu_ps(dst + 6 * 16, _mm256_permute2f128_ps(s2, s6, 0x31));
            _mm256_storeu_ps(dst + 7 * 16, _mm256_permute2f128_ps(s3, s7, 0x31));
        }
    }
#undef LOADROW
    return p;
}

// One function per row count, so the row tests above fold away.
#define DEFPACK(R)                                                                                      \
    static __attribute__((target("avx2,fma"), noinline)) ptrdiff_t pack16_##R(ptrdiff_t kc, const float *a, \
                                                                            ptrdiff_t lda, float *out) { \
        return pack16_avx2(R, kc, a, lda, out);                                                        \
    }
DEFPACK(1) DEFPACK(2) DEFPACK(3) DEFPACK(4) DEFPACK(5) DEFPACK(6) DEFPACK(7) DEFPACK(8)
DEFPACK(9) DEFPACK(10) DEFPACK(11) DEFPACK(12) DEFPACK(13) DEFPACK(14) DEFPACK(15) DEFPACK(16)
static ptrdiff_t (*const packs16[17])(ptrdiff_t, const float *, ptrdiff_t, float *) = {
    0, pack16_1, pack16_2, pack16_3, pack16_4, pack16_5, pack16_6, pack16_7, pack16_8,
    pack16_9, pack16_10, pack16_11, pack16_12, pack16_13, pack16_14, pack16_15, pack16_16,
};
#endif

// Rows [0, rows) of A (rows ≤ 16) as one 16-row micro-panel with zeros past them, 8 columns at
// a time where AVX2 is there; returns the columns done (the caller copies the rest).
static ptrdiff_t pack_rows16(int rows, ptrdiff_t kc, const float *a, ptrdiff_t lda, float *out) {
#if defined(__x86_64__)
    if (rows >= 1 && rows <= 16 && wb_cpu_has_avx2_fma()) return packs16[rows](kc, a, lda, out);
#endif
    (void)rows, (void)kc, (void)a, (void)lda, (void)out;
    return 0;
}

// A[rows, p0..p0+kc) → micro-panels of mr rows: element (r, p) at [g·mr·kc + p·mr + r], zero rows past m.
static void pack_a(ptrdiff_t m, ptrdiff_t kc, const float *a, ptrdiff_t lda, float *dst, ptrdiff_t mr) {
#if defined(__x86_64__)
    if (mr == 16 && wb_cpu_has_avx2_fma()) {
        for (ptrdiff_t g = 0; g < m; g += 16) {
            int rows = (int)(m - g < 16 ? m - g : 16);
            float *out = dst + g * kc;
            const float *src = a + g * lda;
            for (ptrdiff_t p = pack_rows16(rows, kc, src, lda, out); p < kc; p++)
                for (ptrdiff_t r = 0; r < 16; r++) out[p * 16 + r] = r < rows ? src[r * lda + p] : 0;
        }
        return;
    }
#endif
    for (ptrdiff_t g = 0; g < m; g += mr) {
        ptrdiff_t rows = m - g < mr ? m - g : mr;
        float *out = dst + g * kc;
        for (ptrdiff_t p = 0; p < kc; p++) {
            ptrdiff_t r = 0;
            for (; r < rows; r++) out[p * mr + r] = a[(g + r) * lda + p];
            for (; r < mr; r++) out[p * mr + r] = 0;
        }
    }
}

static void block_portable(int rows, int w, ptrdiff_t kc, const float *ap, const float *bp,
                           float *c, ptrdiff_t ldc, int accumulate) {
    float acc[MR][NR];
    memset(acc, 0, sizeof acc);
    for (ptrdiff_t p = 0; p < kc; p++)
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < NR; q++) acc[r][q] += ap[p * MR + r] * bp[p * NR + q];
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < w; q++) c[r * ldc + q] = accumulate ? c[r * ldc + q] + acc[r][q] : acc[r][q];
}

#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

// One R×16 block of C over kc steps; w < 16 stores through a lane mask. Row r of A at step p
// is ap[r·rs + p·ks]: packed micro-panels (rs 1, ks MR), or A as it is (rs lda, ks 1).
INLINE AVX2 void block(int R, int full, ptrdiff_t kc, const float *ap, ptrdiff_t rs, ptrdiff_t ks, const float *bp,
                       float *c, ptrdiff_t ldc, int accumulate, __m256i m0, __m256i m1) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (ptrdiff_t p = 0; p < kc; p++) {
        _mm_prefetch((const char *)(bp + 8 * NR), _MM_HINT_T0);
        _mm_prefetch((const char *)(bp + PF_L2 * NR), _MM_HINT_T1);
        __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8), av;
        av = _mm256_broadcast_ss(ap + 0 * rs); c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);
        if (R > 1) { av = _mm256_broadcast_ss(ap + 1 * rs); c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11); }
        if (R > 2) { av = _mm256_broadcast_ss(ap + 2 * rs); c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21); }
        if (R > 3) { av = _mm256_broadcast_ss(ap + 3 * rs); c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31); }
        if (R > 4) { av = _mm256_broadcast_ss(ap + 4 * rs); c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41); }
        if (R > 5) { av = _mm256_broadcast_ss(ap + 5 * rs); c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51); }
        ap += ks;
        bp += NR;
    }
    __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    for (int r = 0; r < R; r++) {
        float *cr = c + r * ldc;
        __m256 v0 = acc[r][0], v1 = acc[r][1];
        if (full) {
            if (accumulate) { v0 = _mm256_add_ps(v0, _mm256_loadu_ps(cr)); v1 = _mm256_add_ps(v1, _mm256_loadu_ps(cr + 8)); }
            _mm256_storeu_ps(cr, v0);
            _mm256_storeu_ps(cr + 8, v1);
        } else {
            if (accumulate) {
                v0 = _mm256_add_ps(v0, _mm256_maskload_ps(cr, m0));
                v1 = _mm256_add_ps(v1, _mm256_maskload_ps(cr + 8, m1));
            }
            _mm256_maskstore_ps(cr, m0, v0);
            _mm256_maskstore_ps(cr + 8, m1, v1);
        }
    }
}

#define ROWS(full)                                                                   \
    switch (rows) {                                                                  \
    case 6: block(6, full, kc, ap, rs, ks, bp, cc, ldc, accumulate, m0, m1); break;           \
    case 5: block(5, full, kc, ap, rs, ks, bp, cc, ldc, accumulate, m0, m1); break;           \
    case 4: block(4, full, kc, ap, rs, ks, bp, cc, ldc, accumulate, m0, m1); break;           \
    case 3: block(3, full, kc, ap, rs, ks, bp, cc, ldc, accumulate, m0, m1); break;           \
    case 2: block(2, full, kc, ap, rs, ks, bp, cc, ldc, accumulate, m0, m1); break;           \
    default: block(1, full, kc, ap, rs, ks, bp, cc, ldc, accumulate, m0, m1); break;          \
    }

static AVX2 void panel_avx2(ptrdiff_t m, ptrdiff_t w, ptrdiff_t kc, const float *apack, const float *bp,
                            float *c, ptrdiff_t ldc, int accumulate) {
    __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w), lanes);
    __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w - 8), lanes);
    const ptrdiff_t rs = 1, ks = MR;
    for (ptrdiff_t g = 0; g < m; g += MR) {
        int rows = (int)(m - g < MR ? m - g : MR);
        const float *ap = apack + g * kc;
        float *cc = c + g * ldc;
        if (w == NR) { ROWS(1) } else { ROWS(0) }
    }
}

// Up to MR rows read straight from A (row stride lda): nothing to pack, which for a few
// rows cost as much as the GEMM's own loads of them (1×16 on the encoder: about 6% of the time).
static AVX2 void panel_avx2_direct(ptrdiff_t m, ptrdiff_t w, ptrdiff_t kc, const float *a, ptrdiff_t lda,
                                   const float *bp, float *c, ptrdiff_t ldc, int accumulate) {
    __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w), lanes);
    __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w - 8), lanes);
    const ptrdiff_t rs = lda, ks = 1;
    int rows = (int)m;
    const float *ap = a;
    float *cc = c;
    if (w == NR) { ROWS(1) } else { ROWS(0) }
}

// AVX-512: one ZMM register holds a whole panel row, so a block is R×16 with R up to 16
// rows: each k step is one load of B and R FMAs that broadcast A from memory. A 15-row
// GEMM is one pass over each panel (not 6 + 6 + 3 rows padded to 18), so the weights
// stream from memory while the FMAs run, instead of the first row group waiting on memory
// and the others on the FMA units. 16 accumulators is also the most this block keeps at
// full FMA throughput on Zen 4: with 24 (24×16) or 24 of 12×32 it ran at half speed,
// while 16×16, 8×32, 6×48 and 4×64 all reached the 512-bit FMA rate (a C microbenchmark,
// one core: 115 GFLOP/s, the same as AVX2's 6×16).
#define AVX512 __attribute__((target("avx512f,avx2,fma")))

INLINE AVX512 void block512(int R, int full, ptrdiff_t kc, const float *ap, const float *bp,
                            float *c, ptrdiff_t ldc, int accumulate, __mmask16 mask) {
    __m512 acc[MR512];
    for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
    for (ptrdiff_t p = 0; p < kc; p++) {
        _mm_prefetch((const char *)(bp + 8 * NR), _MM_HINT_T0);
        _mm_prefetch((const char *)(bp + PF_L2 * NR), _MM_HINT_T1);
        __m512 b = _mm512_loadu_ps(bp);
        for (int r = 0; r < R; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(ap[r]), b, acc[r]);
        ap += MR512;
        bp += NR;
    }
    for (int r = 0; r < R; r++) {
        float *cr = c + r * ldc;
        __m512 v = acc[r];
        if (full) {
            if (accumulate) v = _mm512_add_ps(v, _mm512_loadu_ps(cr));
            _mm512_storeu_ps(cr, v);
        } else {
            if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, cr));
            _mm512_mask_storeu_ps(cr, mask, v);
        }
    }
}

// One out-of-line function per row count and store kind: inlined into the panel loop,
// the 15- and 16-row blocks ran at half the FMA rate (one core, 15×2048×256: 43 vs 98
// GFLOP/s), with the same inner loop but for its addressing.
#define DEF512(R)                                                                                   \
    static AVX512 __attribute__((noinline)) void block512_##R(int full, ptrdiff_t kc, const float *ap, \
                                                              const float *bp, float *c, ptrdiff_t ldc, \
                                                              int accumulate, __mmask16 mask) {       \
        if (full) block512(R, 1, kc, ap, bp, c, ldc, accumulate, mask);                              \
        else block512(R, 0, kc, ap, bp, c, ldc, accumulate, mask);                                   \
    }
DEF512(1) DEF512(2) DEF512(3) DEF512(4) DEF512(5) DEF512(6) DEF512(7) DEF512(8)
DEF512(9) DEF512(10) DEF512(11) DEF512(12) DEF512(13) DEF512(14) DEF512(15) DEF512(16)

typedef void (*block512_fn)(int, ptrdiff_t, const float *, const float *, float *, ptrdiff_t, int, __mmask16);
static const block512_fn blocks512[MR512 + 1] = {
    0, block512_1, block512_2, block512_3, block512_4, block512_5, block512_6, block512_7, block512_8,
    block512_9, block512_10, block512_11, block512_12, block512_13, block512_14, block512_15, block512_16,
};

// Panels [j0, j1) of one K block (bp: panel j0's block, pstride: floats between panels).
static AVX512 void panels_avx512(ptrdiff_t m, ptrdiff_t n, ptrdiff_t j0, ptrdiff_t j1, ptrdiff_t kc,
                                 const float *apack, const float *bp, ptrdiff_t pstride,
                                 float *c, ptrdiff_t ldc, int accumulate) {
    for (ptrdiff_t j = j0; j < j1; j++, bp += pstride) {
        ptrdiff_t col = j * NR, w = n - col < NR ? n - col : NR;
        if (w <= 0) break;
        __mmask16 mask = (__mmask16)((1u << w) - 1);
        for (ptrdiff_t r0 = 0; r0 < m; r0 += MR512) {
            int rows = (int)(m - r0 < MR512 ? m - r0 : MR512);
            const float *ap = apack + r0 * kc;
            float *cc = c + r0 * ldc + col;
            blocks512[rows](w == NR, kc, ap, bp, cc, ldc, accumulate, mask);
        }
    }
}
#endif

int wb_sgemm_apacked16(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *apack, const float *packed,
                       float *c, ptrdiff_t ldc) {
#if defined(__x86_64__)
    if (wb_cpu_isa() < WB_ISA_AVX512) return -1;
    if (m <= 0 || n <= 0) return 0;
    if (k <= 0) {
        for (ptrdiff_t i = 0; i < m; i++)
            for (ptrdiff_t j = 0; j < n; j++) c[i * ldc + j] = 0;
        return 0;
    }
    panels_avx512(m, n, 0, (n + NR - 1) / NR, k, apack, packed, NR * k, c, ldc, 0);
    return 0;
#else
    (void)m; (void)n; (void)k; (void)apack; (void)packed; (void)c; (void)ldc;
    return -1;
#endif
}

static void panel_portable(ptrdiff_t m, ptrdiff_t w, ptrdiff_t kc, const float *apack, const float *bp,
                           float *c, ptrdiff_t ldc, int accumulate) {
    for (ptrdiff_t g = 0; g < m; g += MR) {
        int rows = (int)(m - g < MR ? m - g : MR);
        block_portable(rows, (int)w, kc, apack + g * kc, bp, c + g * ldc, ldc, accumulate);
    }
}

// The instruction set an m-row tile runs on. A few rows (the weights streamed from memory)
// stay on AVX2: with AVX-512 the small batches ran 4-10% slower end to end (1×16 on the
// hackathon encoder, interleaved runs), both as R×16 blocks and as R×64 blocks over four panels.
static int tile_isa(ptrdiff_t m) {
    int isa = wb_cpu_isa();
    return isa >= WB_ISA_AVX512 && m < AVX512_MIN_ROWS ? WB_ISA_AVX2 : isa;
}

ptrdiff_t wb_packed_mr(ptrdiff_t m) { return tile_isa(m) >= WB_ISA_AVX512 ? MR512 : MR; }

int wb_sgemm_packed_tile(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                         const float *packed, ptrdiff_t panel0, ptrdiff_t panels, ptrdiff_t kc,
                         float *c, ptrdiff_t ldc, uint64_t call) {
    if (m <= 0 || panels <= 0) return 0;
    if (kc <= 0 || kc > k) kc = k;
    int isa = tile_isa(m);
    ptrdiff_t mr = wb_packed_mr(m);
    ptrdiff_t mPadded = (m + mr - 1) / mr * mr;
    if (k == 0) {
        for (ptrdiff_t j = panel0 * NR; j < n && j < (panel0 + panels) * NR; j++)
            for (ptrdiff_t i = 0; i < m; i++) c[i * ldc + j] = 0;
        return 0;
    }
#if defined(__x86_64__)
    if (isa == WB_ISA_AVX2 && m <= MR) {
        for (ptrdiff_t p0 = 0; p0 < k; p0 += kc) {
            ptrdiff_t kb = k - p0 < kc ? k - p0 : kc;
            for (ptrdiff_t j = panel0; j < panel0 + panels; j++) {
                ptrdiff_t col = j * NR, w = n - col < NR ? n - col : NR;
                if (w <= 0) break;
                panel_avx2_direct(m, w, kb, a + p0, lda, packed + j * NR * k + p0 * NR, c + col, ldc, p0 > 0);
            }
        }
        return 0;
    }
#endif
    // Every K block of A's rows stays packed (block p0 at apack + mPadded·p0), so the thread's
    // next tile of the same call and rows reuses them: A is packed once per thread and row
    // block, not once per tile (a 15×2048 A for 8 tiles of 2 panels took a third of the GEMM).
    float *apack = a_scratch((size_t)(mPadded * k));
    if (!apack) return -1;
    int reuse = call != 0 && held.call == call && held.a == a && held.m == m && held.k == k && held.kc == kc &&
                held.mr == mr;
    held.call = 0;
    for (ptrdiff_t p0 = 0; p0 < k; p0 += kc) {
        ptrdiff_t kb = k - p0 < kc ? k - p0 : kc;
        float *ablock = apack + mPadded * p0;
        if (!reuse) pack_a(m, kb, a + p0, lda, ablock, mr);
#if defined(__x86_64__)
        if (isa >= WB_ISA_AVX512) {
            panels_avx512(m, n, panel0, panel0 + panels, kb, ablock, packed + panel0 * NR * k + p0 * NR, NR * k,
                          c, ldc, p0 > 0);
            continue;
        }
#endif
        for (ptrdiff_t j = panel0; j < panel0 + panels; j++) {
            ptrdiff_t col = j * NR, w = n - col < NR ? n - col : NR;
            if (w <= 0) break;
            const float *bp = packed + j * NR * k + p0 * NR;
#if defined(__x86_64__)
            if (isa >= WB_ISA_AVX2) { panel_avx2(m, w, kb, ablock, bp, c + col, ldc, p0 > 0); continue; }
#endif
            panel_portable(m, w, kb, ablock, bp, c + col, ldc, p0 > 0);
        }
    }
    if (call != 0) {
        held.call = call;
        held.a = a;
        held.m = m;
        held.k = k;
        held.kc = kc;
        held.mr = mr;
    }
    return 0;
}
