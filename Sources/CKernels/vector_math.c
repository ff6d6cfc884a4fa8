// Vectorized elementwise maths: the GEMM epilogue (bias, activation,
// residual) and the sigmoid family. The AVX2 exp is Cephes' expf (range
// reduction by ln 2 in two parts, degree-5 polynomial): relative error about
// 2e-7 on [-87, 88]; inputs are clamped to that range.
#include "CKernels.h"
#include <math.h>

static inline float sigmoid1(float v) { return 1.0f / (1.0f + expf(-v)); }
static inline float gelu1(float v) { return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f)); }
static inline float gelu_tanh1(float v) {
    return 0.5f * v * (1.0f + tanhf(0.79788456080286536f * (v + 0.044715f * v * v * v)));
}

static void act_portable(ptrdiff_t n, const float *x, float *y, int act) {
    switch (act) {
    case 1: for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0; break;
    case 2: for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i] * sigmoid1(x[i]); break;
    case 3: for (ptrdiff_t i = 0; i < n; i++) y[i] = sigmoid1(x[i]); break;
    case 4: for (ptrdiff_t i = 0; i < n; i++) y[i] = gelu1(x[i]); break;
    case 5: for (ptrdiff_t i = 0; i < n; i++) y[i] = gelu_tanh1(x[i]); break;
    default: if (x != y) for (ptrdiff_t i = 0; i < n; i++) y[i] = x[i]; break;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma")))

// exp(x) and erf(x) for one vector, written once for both widths: V the vector type, P the
// intrinsics' prefix (_mm256, _mm512), FLOOR the width's floor and LDEXP its y·2^n. exp is
// Cephes' expf: x clamped to [-87.3, 88.3], reduction by ln 2 in two parts, a degree-5
// polynomial, then 2^n (AVX2: in the exponent bits; AVX-512: scalef, one instruction for the
// same floats). erf is x·P(x²)/Q(x²) on [-4, 4] (±1 beyond, where float erf is ±1): the rational
// approximation of Eigen's and XLA's fast erf (GELU within 2e-6 + 1e-6·|x| of Double:
// VectorKernelTests).
#define DEFINE_EXP_ERF(EXP, ERF, ATTR, V, P, FLOOR, LDEXP)                                                  \
    static inline ATTR V EXP(V x) {                                                                           \
        x = P##_min_ps(P##_max_ps(x, P##_set1_ps(-87.3f)), P##_set1_ps(88.3f));                               \
        V fx = FLOOR(P##_fmadd_ps(x, P##_set1_ps(1.44269504088896341f), P##_set1_ps(0.5f)));                  \
        x = P##_fnmadd_ps(fx, P##_set1_ps(0.693359375f), x);                                                  \
        x = P##_fnmadd_ps(fx, P##_set1_ps(-2.12194440e-4f), x);                                               \
        static const float c[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,                     \
                                   4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};                    \
        V y = P##_set1_ps(c[0]);                                                                              \
        for (int i = 1; i < 6; i++) y = P##_fmadd_ps(y, x, P##_set1_ps(c[i]));                               \
        y = P##_fmadd_ps(y, P##_mul_ps(x, x), P##_add_ps(x, P##_set1_ps(1.0f)));                              \
        return LDEXP(y, fx);                                                                                  \
    }                                                                                                         \
    static inline ATTR V ERF(V a) {                                                                           \
        static const float pc[7] = {-2.72614225801306e-10f, 2.77068142495902e-08f, -2.10102402082508e-06f,   \
                                    -5.69250639462346e-05f, -7.34990630326855e-04f, -2.95459980854025e-03f,  \
                                    -1.60960333262415e-02f};                                                 \
        static const float qc[5] = {-1.45660718464996e-05f, -2.13374055278905e-04f, -1.68282697438203e-03f,  \
                                    -7.37332916720468e-03f, -1.42647390514189e-02f};                         \
        V x = P##_min_ps(P##_max_ps(a, P##_set1_ps(-4.0f)), P##_set1_ps(4.0f));                               \
        V x2 = P##_mul_ps(x, x), p = P##_set1_ps(pc[0]), q = P##_set1_ps(qc[0]);                              \
        for (int i = 1; i < 7; i++) p = P##_fmadd_ps(x2, p, P##_set1_ps(pc[i]));                             \
        for (int i = 1; i < 5; i++) q = P##_fmadd_ps(x2, q, P##_set1_ps(qc[i]));                             \
        return P##_div_ps(P##_mul_ps(x, p), q);                                                               \
    }

static inline AVX2 __m256 floor8(__m256 x) { return _mm256_floor_ps(x); }
static inline AVX2 __m256 ldexp8(__m256 y, __m256 n) {
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}
DEFINE_EXP_ERF(exp8, erf8, AVX2, __m256, _mm256, floor8, ldexp8)

static inline AVX2 __m256 act8(__m256 v, int act) {
    switch (act) {
    case 1: return _mm256_max_ps(v, _mm256_setzero_ps());
    case 2: return _mm256_div_ps(v, _mm256_add_ps(_mm256_set1_ps(1.0f), exp8(_mm256_sub_ps(_mm256_setzero_ps(), v))));
    case 3: return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), exp8(_mm256_sub_ps(_mm256_setzero_ps(), v))));
    case 4: {  // ½x(1 + erf(x/√2))
        __m256 e = erf8(_mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f)));
        return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    }
    case 5: {  // ½x(1 + tanh(u)) = x − x/(1 + e^{2u}), u = √(2/π)(x + 0.044715x³)
        __m256 u = _mm256_mul_ps(_mm256_set1_ps(0.79788456080286536f),
                                 _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(0.044715f), v), _mm256_mul_ps(v, v), v));
        __m256 e = exp8(_mm256_add_ps(u, u));
        return _mm256_sub_ps(v, _mm256_div_ps(v, _mm256_add_ps(_mm256_set1_ps(1.0f), e)));
    }
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

// wb_softmax_exp's AVX2 path: 0 (p untouched) for a row the exact path must take.
static AVX2 float softmax_exp_avx2(ptrdiff_t n, float *p, float scale, const float *mask) {
    __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256 vs = _mm256_set1_ps(scale), vmax = _mm256_set1_ps(-INFINITY), nan = _mm256_setzero_ps();
    __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n % 8)), lanes);
    ptrdiff_t full = n - n % 8, j;
#define SCALED(j, load) (mask ? _mm256_fmadd_ps(load(p + (j)), vs, load(mask + (j))) : _mm256_mul_ps(load(p + (j)), vs))
#define LOADU(a) _mm256_loadu_ps(a)
#define LOADT(a) _mm256_maskload_ps(a, tail)
    for (j = 0; j < full; j += 8) {
        __m256 x = SCALED(j, LOADU);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
        vmax = _mm256_max_ps(vmax, x);
    }
    if (j < n) {
        __m256 x = _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), SCALED(j, LOADT), _mm256_castsi256_ps(tail));
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
        vmax = _mm256_max_ps(vmax, x);
    }
    if (_mm256_movemask_ps(nan)) return 0;
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    float m = _mm_cvtss_f32(h);
    if (!isfinite(m)) return 0;
    __m256 vm = _mm256_set1_ps(m), floor = _mm256_set1_ps(-87.3f), sum = _mm256_setzero_ps();
    for (j = 0; j < full; j += 8) {
        __m256 d = _mm256_sub_ps(SCALED(j, LOADU), vm);
        __m256 e = _mm256_and_ps(exp8(d), _mm256_cmp_ps(d, floor, _CMP_GE_OQ));
        _mm256_storeu_ps(p + j, e);
        sum = _mm256_add_ps(sum, e);
    }
    if (j < n) {
        __m256 d = _mm256_sub_ps(SCALED(j, LOADT), vm);
        __m256 e = _mm256_and_ps(_mm256_and_ps(exp8(d), _mm256_cmp_ps(d, floor, _CMP_GE_OQ)), _mm256_castsi256_ps(tail));
        _mm256_maskstore_ps(p + j, tail, e);
        sum = _mm256_add_ps(sum, e);
    }
#undef SCALED
#undef LOADU
#undef LOADT
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// Softmax of a row with a finite maximum m: e = exp(x − m), 0 where x − m < −87.3 (masked
// −∞ keys; softmax_exp_avx2 at scale 1), then e / Σe. Returns 0 when the row needs the
// scalar path (a NaN, or m not finite).
static AVX2 int softmax_avx2(ptrdiff_t n, float *p) {
    float sum = softmax_exp_avx2(n, p, 1.0f, NULL);
    if (sum <= 0) return 0;
    __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n % 8)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 inv = _mm256_set1_ps(1.0f / sum);
    ptrdiff_t j = 0;
    for (; j + 8 <= n; j += 8) _mm256_storeu_ps(p + j, _mm256_mul_ps(_mm256_loadu_ps(p + j), inv));
    if (j < n) _mm256_maskstore_ps(p + j, tail, _mm256_mul_ps(_mm256_maskload_ps(p + j, tail), inv));
    return 1;
}

static AVX2 void act_avx2(ptrdiff_t n, const float *x, float *y, int act) {
    ptrdiff_t j = 0;
    for (; j + 8 <= n; j += 8) _mm256_storeu_ps(y + j, act8(_mm256_loadu_ps(x + j), act));
    if (j < n) {
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - j)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        _mm256_maskstore_ps(y + j, mask, act8(_mm256_maskload_ps(x + j, mask), act));
    }
}

// The same functions 16 lanes wide. Zen 4 runs 512-bit arithmetic at the element rate of
// 256-bit, but these loops are bound by instruction count, not by the FP units: the softmax's
// exponentials take 0.38 instead of 0.52 ns per element (rows of 256, one core).
#define AVX512 __attribute__((target("avx512f,avx2,fma")))

static inline AVX512 __m512 floor16(__m512 x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
static inline AVX512 __m512 ldexp16(__m512 y, __m512 n) { return _mm512_scalef_ps(y, n); }
DEFINE_EXP_ERF(exp16, erf16, AVX512, __m512, _mm512, floor16, ldexp16)

static inline AVX512 __m512 act16(__m512 v, int act) {
    __m512 one = _mm512_set1_ps(1.0f);
    switch (act) {
    case 1: return _mm512_max_ps(v, _mm512_setzero_ps());
    case 2: return _mm512_div_ps(v, _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), v))));
    case 3: return _mm512_div_ps(one, _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), v))));
    case 4: {
        __m512 e = erf16(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f)));
        return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), _mm512_add_ps(one, e));
    }
    case 5: {
        __m512 u = _mm512_mul_ps(_mm512_set1_ps(0.79788456080286536f),
                                 _mm512_fmadd_ps(_mm512_mul_ps(_mm512_set1_ps(0.044715f), v), _mm512_mul_ps(v, v), v));
        __m512 e = exp16(_mm512_add_ps(u, u));
        return _mm512_sub_ps(v, _mm512_div_ps(v, _mm512_add_ps(one, e)));
    }
    default: return v;
    }
}

static inline AVX512 __mmask16 tail16(ptrdiff_t left) { return (__mmask16)(left >= 16 ? 0xFFFF : (1u << left) - 1); }

static inline AVX512 void row_step16(float *c, __m512 va, const float *bias, int act, const float *res, __mmask16 k) {
    __m512 v = _mm512_mul_ps(va, _mm512_maskz_loadu_ps(k, c));
    if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, bias));
    v = act16(v, act);
    if (res) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, res));
    _mm512_mask_storeu_ps(c, k, v);
}

static AVX512 void row_avx512(ptrdiff_t n, float *c, float alpha, const float *bias, int act, const float *res) {
    __m512 va = _mm512_set1_ps(alpha);
    ptrdiff_t j = 0;
    for (; j + 16 <= n; j += 16) row_step16(c + j, va, bias ? bias + j : NULL, act, res ? res + j : NULL, 0xFFFF);
    if (j < n) row_step16(c + j, va, bias ? bias + j : NULL, act, res ? res + j : NULL, tail16(n - j));
}

static AVX512 void act_avx512(ptrdiff_t n, const float *x, float *y, int act) {
    ptrdiff_t j = 0;
    for (; j + 16 <= n; j += 16) _mm512_storeu_ps(y + j, act16(_mm512_loadu_ps(x + j), act));
    if (j < n) _mm512_mask_storeu_ps(y + j, tail16(n - j), act16(_mm512_maskz_loadu_ps(tail16(n - j), x + j), act));
}

// softmax_exp_avx2 16 lanes wide (the same results, NaN rows and non-finite maxima included).
// The passes' bodies take the lanes' mask: all ones in the main loops (folded into plain loads;
// with the mask computed every step the exponentials took 0.45 instead of 0.38 ns per element,
// rows of 256, one core), the tail's last.
static inline AVX512 __m512 scaled16(const float *p, const float *mask, __m512 vs, __mmask16 k) {
    __m512 x = _mm512_maskz_loadu_ps(k, p);
    return mask ? _mm512_fmadd_ps(x, vs, _mm512_maskz_loadu_ps(k, mask)) : _mm512_mul_ps(x, vs);
}

static inline AVX512 void max_step16(const float *p, const float *mask, __m512 vs, __mmask16 k, __m512 *vmax,
                                     __mmask16 *nan) {
    __m512 x = scaled16(p, mask, vs, k);
    *nan |= _mm512_mask_cmp_ps_mask(k, x, x, _CMP_UNORD_Q);
    *vmax = _mm512_mask_max_ps(*vmax, k, *vmax, x);
}

static inline AVX512 __m512 exp_step16(float *p, const float *mask, __m512 vs, __m512 vm, __mmask16 k) {
    __m512 d = _mm512_sub_ps(scaled16(p, mask, vs, k), vm);
    __m512 e = _mm512_maskz_mov_ps(_mm512_mask_cmp_ps_mask(k, d, _mm512_set1_ps(-87.3f), _CMP_GE_OQ), exp16(d));
    _mm512_mask_storeu_ps(p, k, e);
    return e;
}

static AVX512 float softmax_exp_avx512(ptrdiff_t n, float *p, float scale, const float *mask) {
    __m512 vs = _mm512_set1_ps(scale), vmax = _mm512_set1_ps(-INFINITY);
    __mmask16 nan = 0, tail = (__mmask16)((1u << (n % 16)) - 1);
    ptrdiff_t full = n - n % 16, j;
    for (j = 0; j < full; j += 16) max_step16(p + j, mask ? mask + j : NULL, vs, 0xFFFF, &vmax, &nan);
    if (tail) max_step16(p + j, mask ? mask + j : NULL, vs, tail, &vmax, &nan);
    if (nan) return 0;
    float m = _mm512_reduce_max_ps(vmax);
    if (!isfinite(m)) return 0;
    __m512 vm = _mm512_set1_ps(m), sum = _mm512_setzero_ps();
    for (j = 0; j < full; j += 16) sum = _mm512_add_ps(sum, exp_step16(p + j, mask ? mask + j : NULL, vs, vm, 0xFFFF));
    if (tail) sum = _mm512_add_ps(sum, exp_step16(p + j, mask ? mask + j : NULL, vs, vm, tail));
    return _mm512_reduce_add_ps(sum);
}

// wb_softmax_exp_columns16's kernel: two passes down the 16 columns.
static AVX512 int softmax_exp_columns16_avx512(ptrdiff_t rows, float *p, float scale, const float *mask,
                                               ptrdiff_t maskStride, int lanes, float *sums) {
    __mmask16 live = tail16(lanes);
    __m512 vs = _mm512_set1_ps(scale), vmax = _mm512_set1_ps(-INFINITY);
    __mmask16 nan = 0;
    for (ptrdiff_t r = 0; r < rows; r++) {
        __m512 x = _mm512_loadu_ps(p + r * 16);
        x = mask ? _mm512_fmadd_ps(x, vs, _mm512_set1_ps(mask[r * maskStride])) : _mm512_mul_ps(x, vs);
        nan |= _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
        vmax = _mm512_max_ps(vmax, x);
    }
    // A NaN, or a column without a finite maximum (all −∞, or +∞), takes the exact path.
    __mmask16 finite = _mm512_cmp_ps_mask(_mm512_abs_ps(vmax), _mm512_set1_ps(INFINITY), _CMP_LT_OQ);
    if ((nan & live) || (live & ~finite)) return 0;
    vmax = _mm512_maskz_mov_ps(finite, vmax);
    __m512 floor = _mm512_set1_ps(-87.3f), sum = _mm512_setzero_ps();
    for (ptrdiff_t r = 0; r < rows; r++) {
        __m512 x = _mm512_loadu_ps(p + r * 16);
        x = mask ? _mm512_fmadd_ps(x, vs, _mm512_set1_ps(mask[r * maskStride])) : _mm512_mul_ps(x, vs);
        __m512 d = _mm512_sub_ps(x, vmax);
        __m512 e = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(d, floor, _CMP_GE_OQ), exp16(d));
        _mm512_storeu_ps(p + r * 16, e);
        sum = _mm512_add_ps(sum, e);
    }
    _mm512_storeu_ps(sums, sum);
    return 1;
}

static AVX512 int softmax_avx512(ptrdiff_t n, float *p) {
    float sum = softmax_exp_avx512(n, p, 1.0f, NULL);
    if (sum <= 0) return 0;
    __m512 inv = _mm512_set1_ps(1.0f / sum);
    for (ptrdiff_t j = 0; j < n; j += 16) {
        __mmask16 k = tail16(n - j);
        _mm512_mask_storeu_ps(p + j, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, p + j), inv));
    }
    return 1;
}
#endif

void wb_epilogue(ptrdiff_t m, ptrdiff_t n, float *c, ptrdiff_t ldc, float alpha, const float *bias, int act,
                 const float *residual, ptrdiff_t ldr) {
#if defined(__x86_64__)
    int isa = wb_cpu_isa();
    if (isa >= WB_ISA_AVX2) {
        for (ptrdiff_t i = 0; i < m; i++) {
            const float *res = residual ? residual + i * ldr : NULL;
            if (isa >= WB_ISA_AVX512) row_avx512(n, c + i * ldc, alpha, bias, act, res);
            else row_avx2(n, c + i * ldc, alpha, bias, act, res);
        }
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
    if (wb_cpu_isa() >= WB_ISA_AVX512) { act_avx512(n, x, y, code); return; }
    if (wb_cpu_has_avx2_fma()) { act_avx2(n, x, y, code); return; }
#endif
    act_portable(n, x, y, code);
}

void wb_swish(ptrdiff_t n, const float *x, float *y) { act(n, x, y, 2); }
void wb_sigmoid(ptrdiff_t n, const float *x, float *y) { act(n, x, y, 3); }
void wb_gelu(ptrdiff_t n, const float *x, float *y) { act(n, x, y, 4); }
void wb_gelu_tanh(ptrdiff_t n, const float *x, float *y) { act(n, x, y, 5); }

float wb_softmax_exp(ptrdiff_t n, float *p, float scale, const float *mask) {
    if (n <= 0) return 1;
#if defined(__x86_64__)
    if (wb_cpu_has_avx2_fma()) {
        float s = wb_cpu_isa() >= WB_ISA_AVX512 ? softmax_exp_avx512(n, p, scale, mask) : softmax_exp_avx2(n, p, scale, mask);
        if (s > 0) return s;
    }
#endif
    // Exact: the logits, then the normalized softmax (NaN, ±∞ and all −∞ rows as wb_softmax).
    for (ptrdiff_t j = 0; j < n; j++) p[j] = mask ? p[j] * scale + mask[j] : p[j] * scale;
    wb_softmax(n, p);
    return 1;
}

int wb_softmax_exp_columns16(ptrdiff_t rows, float *p, float scale, const float *mask, ptrdiff_t maskStride,
                             int lanes, float *sums) {
#if defined(__x86_64__)
    if (wb_cpu_isa() >= WB_ISA_AVX512 && rows > 0 && lanes > 0 && lanes <= 16)
        return softmax_exp_columns16_avx512(rows, p, scale, mask, maskStride, lanes, sums);
#else
    (void)rows; (void)p; (void)scale; (void)mask; (void)maskStride; (void)lanes; (void)sums;
#endif
    return 0;
}

void wb_softmax(ptrdiff_t n, float *p) {
    if (n <= 0) return;
#if defined(__x86_64__)
    if (wb_cpu_isa() >= WB_ISA_AVX512 ? softmax_avx512(n, p) : wb_cpu_has_avx2_fma() && softmax_avx2(n, p)) return;
#endif
    // Scalar: also every row with a NaN or without a finite maximum (all −∞ gives 0/0 = NaN, as ONNX).
    float m = p[0];
    for (ptrdiff_t j = 1; j < n; j++) m = p[j] > m || isnan(p[j]) ? p[j] : m;
    float s = 0;
    for (ptrdiff_t j = 0; j < n; j++) { p[j] = expf(p[j] - m); s += p[j]; }
    float inv = 1.0f / s;
    for (ptrdiff_t j = 0; j < n; j++) p[j] *= inv;
}

