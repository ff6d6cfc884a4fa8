// The small-M GEMM: C = A·B with B read in place (row-major, no packing).
// For each strip of 16 columns and each group of up to 6 rows, the 6×16
// block of C lives in 12 YMM registers while k runs over all of K, so B is
// streamed from memory once for the first row group and from cache after.
#include "CKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

// One R×16 block (R ≤ 6), w ≤ 16 valid columns (masked when w < 16).
INLINE AVX2 void block(int R, int full, ptrdiff_t k, const float *a, ptrdiff_t lda,
                       const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc,
                       __m256i m0, __m256i m1) {
    __m256 acc[6][2];
    for (int r = 0; r < R; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
    for (ptrdiff_t p = 0; p < k; p++) {
        const float *bp = b + p * ldb;
        _mm_prefetch((const char *)(bp + 8 * ldb), _MM_HINT_T0);
        __m256 b0 = full ? _mm256_loadu_ps(bp) : _mm256_maskload_ps(bp, m0);
        __m256 b1 = full ? _mm256_loadu_ps(bp + 8) : _mm256_maskload_ps(bp + 8, m1);
        for (int r = 0; r < R; r++) {
            __m256 av = _mm256_broadcast_ss(a + r * lda + p);
            acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < R; r++) {
        float *cr = c + r * ldc;
        if (full) {
            _mm256_storeu_ps(cr, acc[r][0]);
            _mm256_storeu_ps(cr + 8, acc[r][1]);
        } else {
            _mm256_maskstore_ps(cr, m0, acc[r][0]);
            _mm256_maskstore_ps(cr + 8, m1, acc[r][1]);
        }
    }
}

// Dispatches the row count to a specialized block.
#define ROWS(full)                                                                          \
    switch (rows) {                                                                         \
    case 6: block(6, full, k, ai, lda, bj, ldb, cij, ldc, m0, m1); break;                    \
    case 5: block(5, full, k, ai, lda, bj, ldb, cij, ldc, m0, m1); break;                    \
    case 4: block(4, full, k, ai, lda, bj, ldb, cij, ldc, m0, m1); break;                    \
    case 3: block(3, full, k, ai, lda, bj, ldb, cij, ldc, m0, m1); break;                    \
    case 2: block(2, full, k, ai, lda, bj, ldb, cij, ldc, m0, m1); break;                    \
    default: block(1, full, k, ai, lda, bj, ldb, cij, ldc, m0, m1); break;                   \
    }

static AVX2 void stream_avx2(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                             const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
    for (ptrdiff_t j = 0; j < n; j += 16) {
        ptrdiff_t w = n - j < 16 ? n - j : 16;
        __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        __m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w), lanes);
        __m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w - 8), lanes);
        const float *bj = b + j;
        for (ptrdiff_t i = 0; i < m; i += 6) {
            int rows = (int)(m - i < 6 ? m - i : 6);
            const float *ai = a + i * lda;
            float *cij = c + i * ldc + j;
            if (w == 16) { ROWS(1) } else { ROWS(0) }
        }
    }
}
#endif

static void stream_portable(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                            const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
    for (ptrdiff_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        for (ptrdiff_t j = 0; j < n; j++) ci[j] = 0;
        for (ptrdiff_t p = 0; p < k; p++) {
            float av = a[i * lda + p];
            const float *bp = b + p * ldb;
            for (ptrdiff_t j = 0; j < n; j++) ci[j] += av * bp[j];
        }
    }
}

void wb_sgemm_stream(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *a, ptrdiff_t lda,
                     const float *b, ptrdiff_t ldb, float *c, ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
#if defined(__x86_64__)
    if (wb_cpu_has_avx2_fma()) { stream_avx2(m, n, k, a, lda, b, ldb, c, ldc); return; }
#endif
    stream_portable(m, n, k, a, lda, b, ldb, c, ldc);
}
