// Conv2dSubsampling's block pieces (declared in wb_subsampling.h).
#include "CKernels.h"
#include "wb_subsampling.h"
#include <string.h>

#define NR 16

static void conv1_portable(ptrdiff_t rows, ptrdiff_t f, ptrdiff_t c, const float *x,
                           const float *w1t, const float *b1, float *h) {
    ptrdiff_t f1 = (f - 1) / 2;
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *xr = x + 2 * r * f;
        for (ptrdiff_t j = 0; j < f1; j++) {
            float *out = h + (r * f1 + j) * c;
            for (ptrdiff_t ch = 0; ch < c; ch++) {
                float acc = b1[ch];
                for (int kh = 0; kh < 3; kh++)
                    for (int kw = 0; kw < 3; kw++) acc += w1t[(kh * 3 + kw) * c + ch] * xr[kh * f + 2 * j + kw];
                out[ch] = acc > 0 ? acc : 0;
            }
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static void conv1_avx2(ptrdiff_t rows, ptrdiff_t f, ptrdiff_t c, const float *x,
                       const float *w1t, const float *b1, float *h) {
    ptrdiff_t f1 = (f - 1) / 2, c8 = c & ~(ptrdiff_t)7;
    __m256 zero = _mm256_setzero_ps();
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *xr = x + 2 * r * f;
        for (ptrdiff_t j = 0; j < f1; j++) {
            float *out = h + (r * f1 + j) * c;
            __m256 v[9];
            float s[9];
            for (int kh = 0; kh < 3; kh++)
                for (int kw = 0; kw < 3; kw++) {
                    s[kh * 3 + kw] = xr[kh * f + 2 * j + kw];
                    v[kh * 3 + kw] = _mm256_set1_ps(s[kh * 3 + kw]);
                }
            ptrdiff_t ch = 0;
            for (; ch < c8; ch += 8) {
                __m256 acc = _mm256_loadu_ps(b1 + ch);
                for (int tap = 0; tap < 9; tap++) acc = _mm256_fmadd_ps(v[tap], _mm256_loadu_ps(w1t + tap * c + ch), acc);
                _mm256_storeu_ps(out + ch, _mm256_max_ps(acc, zero));
            }
            for (; ch < c; ch++) {
                float acc = b1[ch];
                for (int tap = 0; tap < 9; tap++) acc += w1t[tap * c + ch] * s[tap];
                out[ch] = acc > 0 ? acc : 0;
            }
        }
    }
}
#endif

void wb_subsampling_conv1(ptrdiff_t rows, ptrdiff_t f, ptrdiff_t c, const float *x,
                          const float *w1t, const float *b1, float *h) {
    if (rows <= 0 || f < 3 || c <= 0) return;
#if defined(__x86_64__)
    if (wb_cpu_has_avx2_fma()) { conv1_avx2(rows, f, c, x, w1t, b1, h); return; }
#endif
    conv1_portable(rows, f, c, x, w1t, b1, h);
}

void wb_subsampling_im2col(ptrdiff_t frames, ptrdiff_t f1, ptrdiff_t f2, ptrdiff_t c,
                           const float *h, float *col) {
    for (ptrdiff_t s = 0; s < frames; s++)
        for (ptrdiff_t j = 0; j < f2; j++) {
            float *dst = col + (s * f2 + j) * 9 * c;
            for (int kh = 0; kh < 3; kh++)
                memcpy(dst + kh * 3 * c, h + ((2 * s + kh) * f1 + 2 * j) * c, (size_t)(3 * c) * sizeof(float));
        }
}

void wb_subsampling_pack_w2(ptrdiff_t c, const float *w2, float *packed) {
    ptrdiff_t k = 9 * c, panels = (c + NR - 1) / NR;
    for (ptrdiff_t p = 0; p < panels; p++)
        for (ptrdiff_t tap = 0; tap < 9; tap++)
            for (ptrdiff_t ci = 0; ci < c; ci++) {
                float *row = packed + (p * k + tap * c + ci) * NR;
                for (ptrdiff_t q = 0; q < NR; q++) {
                    ptrdiff_t co = p * NR + q;
                    row[q] = co < c ? w2[(co * c + ci) * 9 + tap] : 0;
                }
            }
}

void wb_subsampling_store(ptrdiff_t frames, ptrdiff_t f2, ptrdiff_t c, const float *z,
                          const float *b2, float *y) {
    for (ptrdiff_t s = 0; s < frames; s++) {
        const float *zs = z + s * f2 * c;
        float *ys = y + s * c * f2;
        for (ptrdiff_t j = 0; j < f2; j++) {
            const float *zr = zs + j * c;
            for (ptrdiff_t ch = 0; ch < c; ch++) {
                float v = zr[ch] + b2[ch];
                ys[ch * f2 + j] = v > 0 ? v : 0;
            }
        }
    }
}
