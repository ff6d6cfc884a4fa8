// Vectorized elementwise maths: the GEMM epilogue (bias, activation,
// residual) and the sigmoid family. The AVX2 exp is Cephes' expf (range
// reduction by ln 2 in two parts, degree-5 polynomial): relative error about
// 2e-7 on [-87, 88]; inputs are clamped to that range.
#include "CKernels.h"
#include <math.h>

static inline float sigmoid1(float v) { return 1.0f / (1.0f + expf(-v)); }

static void act_portable(ptrdiff_t n, const float *x, float *y, int act) {
    switch (act) {
    case 1: for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0; break;
    case 2: for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] * sigmoid1(x[i]); break;
    case 3: for (ptrdiff_t i = 0; i < n; i++) y[i] = sigmoid1(x[i]); break;
    default: if (x != y) for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i]; break;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma")))

static inline AVX2 __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    __m256 fx = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

static inline AVX2 __m256 act8(__m256 v, int act) {
    switch (act) {
    case 1: return _mm256_max_ps(v, _mm256_setzero_ps());
    case 2: return _mm256_div_ps(v, _mm256_add_ps(_mm256_set1_ps(1.0f), exp8(_mm256_sub_ps(_mm256_setzero_ps(), v))));
    case 3: return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), exp8(_mm256_sub_ps(_mm256_setzero_ps(), v))));
    default: return v;
    }
}

static AVX2 void row_avx2(ptrdiff_t n, float *c, float alpha, const float *bias, int act, const float *res) {
    ptrdiff_t j = 0;
    __m256 va = _mm256_set1_ps(alpha);
    for (; j + 8 <= n; j += 8) {
        __m256 v = _mm256_mul_ps(va, _mm256_loadu_ps(c + j));
        if (bias) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
        v = act8(v, act);
        if (res) v = _mm256_add_ps(v, _mm256_loadu_ps(res + j));
        _mm256_storeu_ps(c + j, v);
    }
    if (j < n) {
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - j)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256 v = _mm256_mul_ps(va, _mm256_maskload_ps(c + j, mask));
        if (bias) v = _mm256_add_ps(v, _mm256_maskload_ps(bias + j, mask));
        v = act8(v, act);
        if (res) v = _mm256_add_ps(v, _mm256_maskload_ps(res + j, mask));
        _mm256_maskstore_ps(c + j, mask, v);
    }
}

static AVX2 void act_avx2(ptrdiff_t n, const float *x, float *y, int act) {
    ptrdiff_t j = 0;
    for (; j + 8 <= n; j += 8) _mm256_storeu_ps(y + j, act8(_mm256_loadu_ps(x + j), act));
    if (j < n) {
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - j)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        _mm256_maskstore_ps(y + j, mask, act8(_mm256_maskload_ps(x + j, mask), act));
    }
}
#endif

void wb_epilogue(ptrdiff_t m, ptrdiff_t n, float *c, ptrdiff_t ldc, float alpha, const float *bias, int act,
                 const float *residual, ptrdiff_t ldr) {
#if defined(__x86_64__)
    if (wb_cpu_has_avx2_fma()) {
        for (ptrdiff_t i = 0; i < m; i++)
            row_avx2(n, c + i * ldc, alpha, bias, act, residual ? residual + i * ldr : NULL);
        return;
    }
#endif
    for (ptrdiff_t i = 0; i < m; i++) {
        float *row = c + i * ldc;
        if (alpha != 1.0f) for (ptrdiff_t j = 0; j < n; j++) row[j] *= alpha;
        if (bias) for (ptrdiff_t j = 0; j < n; j++) row[j] += bias[j];
        act_portable(n, row, row, act);
        if (residual) {
            const float *r = residual + i * ldr;
            for (ptrdiff_t j = 0; j < n; j++) row[j] += r[j];
        }
    }
}

static void act(ptrdiff_t n, const float *x, float *y, int code) {
#if defined(__x86_64__)
    if (wb_cpu_has_avx2_fma()) { act_avx2(n, x, y, code); return; }
#endif
    act_portable(n, x, y, code);
}

void wb_swish(ptrdiff_t n, const float *x, float *y) { act(n, x, y, 2); }
void wb_sigmoid(ptrdiff_t n, const float *x, float *y) { act(n, x, y, 3); }
