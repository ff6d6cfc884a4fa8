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

// ---- The second convolution in Winograd form -------------------------------------------------
//
// In one dimension, a 3-tap stride-2 filter g over x0..x4 gives y0 = x0·g0 + x1·g1 + x2·g2 and
// y1 = x2·g0 + x3·g1 + x4·g2. Its even taps are a 2-tap stride-1 filter over x0, x2, x4
// (Winograd's F(2, 2): three products) and its odd tap a 1-tap one over x1, x3 (two), so
//
//     points   x0 − x2,  x2,       x4 − x2,  x1,  x3
//     filters  g0,       g0 + g2,  g2,       g1,  g1
//     y0 = m0 + m1 + m3,   y1 = m1 + m2 + m4      (m = point · filter)
//
// which is 5 products for 2 outputs instead of 6. Over rows (time) and columns (frequency) a 2×2
// output tile reads a 5×5 input tile and takes 25 products instead of 36, each a C×C matrix
// product over the channels. The transforms only subtract neighbours, so they add no rounding
// of note. Points 3 and 4 share the filter g1, so the 25 points fall in 16 groups that share one
// weight matrix; slots number the points with each group's members consecutive, so a group is
// one GEMM over (members × tiles) rows.

static const unsigned char wino_slot[5][5] = {
    {0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}, {10, 11, 12, 13, 14}, {15, 17, 19, 21, 22}, {16, 18, 20, 23, 24},
};
static const unsigned char wino_first[16] = {0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 17, 19, 21};
static const unsigned char wino_count[16] = {1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 2, 2, 2, 4};

void wb_subsampling_winograd_group(int group, ptrdiff_t *first, ptrdiff_t *count) {
    int g = group < 0 ? 0 : group > 15 ? 15 : group;
    *first = wino_first[g];
    *count = wino_count[g];
}

void wb_subsampling_pack_w2_winograd(ptrdiff_t c, const float *w2, float *packed) {
    // The 1-D filter transform's rows over the taps (g0; g0 + g2; g2; g1), one per group index.
    static const float G[4][3] = {{1, 0, 0}, {1, 0, 1}, {0, 0, 1}, {0, 1, 0}};
    ptrdiff_t panels = (c + NR - 1) / NR;
    size_t per = wb_packed_b_floats(c, c);
    for (int gp = 0; gp < 4; gp++)
        for (int gq = 0; gq < 4; gq++) {
            float *dst = packed + (size_t)(gp * 4 + gq) * per;
            for (ptrdiff_t co = 0; co < panels * NR; co++)
                for (ptrdiff_t ci = 0; ci < c; ci++) {
                    float s = 0;
                    if (co < c) {
                        const float *w = w2 + (co * c + ci) * 9;
                        for (int u = 0; u < 3; u++)
                            for (int v = 0; v < 3; v++) s += G[gp][u] * G[gq][v] * w[u * 3 + v];
                    }
                    dst[((co / NR) * c + ci) * NR + co % NR] = s;
                }
        }
}

// Channels per step of the transforms (their temporaries stay in L1).
#define WCB 64

// The 1-D transform of 5 inputs into the 5 points, over n channels.
__attribute__((always_inline))
static inline void wino_points(ptrdiff_t n, const float *const x[5], float *const o[5]) {
    const float *restrict x0 = x[0], *restrict x1 = x[1], *restrict x2 = x[2], *restrict x3 = x[3], *restrict x4 = x[4];
    float *restrict o0 = o[0], *restrict o1 = o[1], *restrict o2 = o[2], *restrict o3 = o[3], *restrict o4 = o[4];
    for (ptrdiff_t k = 0; k < n; k++) {
        o0[k] = x0[k] - x2[k];
        o1[k] = x2[k];
        o2[k] = x4[k] - x2[k];
        o3[k] = x1[k];
        o4[k] = x3[k];
    }
}

__attribute__((always_inline))
static inline void wino_input(ptrdiff_t pairs, ptrdiff_t rows, ptrdiff_t f1, ptrdiff_t tf, ptrdiff_t c,
                              const float *restrict h, float *restrict v) {
    static const float zeros[WCB];
    ptrdiff_t tiles = pairs * tf;
    for (ptrdiff_t a = 0; a < pairs; a++)
        for (ptrdiff_t b = 0; b < tf; b++) {
            ptrdiff_t tile = a * tf + b;
            for (ptrdiff_t c0 = 0; c0 < c; c0 += WCB) {
                ptrdiff_t cb = c - c0 < WCB ? c - c0 : WCB;
                float t[5][5][WCB];
                // Along the columns of each of the 5 rows (rows and columns past H read as zero).
                for (int r = 0; r < 5; r++) {
                    ptrdiff_t row = 4 * a + r;
                    const float *x[5];
                    for (int s = 0; s < 5; s++) {
                        ptrdiff_t col = 4 * b + s;
                        x[s] = row < rows && col < f1 ? h + (row * f1 + col) * c + c0 : zeros;
                    }
                    float *const o[5] = {t[r][0], t[r][1], t[r][2], t[r][3], t[r][4]};
                    wino_points(cb, x, o);
                }
                // Then along the rows, into the points' slots.
                for (int q = 0; q < 5; q++) {
                    const float *const x[5] = {t[0][q], t[1][q], t[2][q], t[3][q], t[4][q]};
                    float *o[5];
                    for (int p = 0; p < 5; p++) o[p] = v + ((ptrdiff_t)wino_slot[p][q] * tiles + tile) * c + c0;
                    wino_points(cb, x, o);
                }
            }
        }
}

__attribute__((always_inline))
static inline void wino_output(ptrdiff_t frames, ptrdiff_t tf, ptrdiff_t f2, ptrdiff_t c,
                               const float *restrict m, const float *restrict b2, float *restrict y) {
    ptrdiff_t pairs = (frames + 1) / 2, tiles = pairs * tf;
    for (ptrdiff_t a = 0; a < pairs; a++)
        for (ptrdiff_t b = 0; b < tf; b++) {
            ptrdiff_t tile = a * tf + b;
            int rowsOut = 2 * a + 1 < frames ? 2 : 1, colsOut = 2 * b + 1 < f2 ? 2 : 1;
            for (ptrdiff_t c0 = 0; c0 < c; c0 += WCB) {
                ptrdiff_t cb = c - c0 < WCB ? c - c0 : WCB;
                float o[5][2][WCB], out[2][2][WCB];
                for (int p = 0; p < 5; p++) {
                    const float *x[5];
                    for (int q = 0; q < 5; q++) x[q] = m + ((ptrdiff_t)wino_slot[p][q] * tiles + tile) * c + c0;
                    for (ptrdiff_t k = 0; k < cb; k++) {
                        o[p][0][k] = x[0][k] + x[1][k] + x[3][k];
                        o[p][1][k] = x[1][k] + x[2][k] + x[4][k];
                    }
                }
                for (int j = 0; j < 2; j++)
                    for (ptrdiff_t k = 0; k < cb; k++) {
                        float y0 = o[0][j][k] + o[1][j][k] + o[3][j][k] + b2[c0 + k];
                        float y1 = o[1][j][k] + o[2][j][k] + o[4][j][k] + b2[c0 + k];
                        out[0][j][k] = y0 > 0 ? y0 : 0;
                        out[1][j][k] = y1 > 0 ? y1 : 0;
                    }
                // Y is time-major with the channel before the frequency: y[t][c][f].
                for (int i = 0; i < rowsOut; i++)
                    for (int j = 0; j < colsOut; j++) {
                        float *dst = y + (2 * a + i) * c * f2 + c0 * f2 + 2 * b + j;
                        for (ptrdiff_t k = 0; k < cb; k++) dst[k * f2] = out[i][j][k];
                    }
            }
        }
}

// An odd last frame: its one output row takes the 3 time taps directly (filters g0, g1, g2:
// groups 0, 3 and 2 of the time transform) with the frequency transform as above, so 15
// products per 1×2 tile instead of a 2×2 tile's 25 with one row thrown away (at T'' = 3, the
// encoder's 16-frame inputs, a fifth of the second convolution's products). Slot r·5 + q.
__attribute__((always_inline))
static inline void wino_tail_input(ptrdiff_t f1, ptrdiff_t tf, ptrdiff_t c, const float *restrict h,
                                   float *restrict v) {
    static const float zeros[WCB];
    for (ptrdiff_t b = 0; b < tf; b++)
        for (ptrdiff_t c0 = 0; c0 < c; c0 += WCB) {
            ptrdiff_t cb = c - c0 < WCB ? c - c0 : WCB;
            for (int r = 0; r < 3; r++) {
                const float *x[5];
                for (int s = 0; s < 5; s++) {
                    ptrdiff_t col = 4 * b + s;
                    x[s] = col < f1 ? h + (r * f1 + col) * c + c0 : zeros;
                }
                float *o[5];
                for (int q = 0; q < 5; q++) o[q] = v + ((ptrdiff_t)(r * 5 + q) * tf + b) * c + c0;
                wino_points(cb, x, o);
            }
        }
}

__attribute__((always_inline))
static inline void wino_tail_output(ptrdiff_t tf, ptrdiff_t f2, ptrdiff_t c, const float *restrict m,
                                    const float *restrict b2, float *restrict y) {
    for (ptrdiff_t b = 0; b < tf; b++) {
        int colsOut = 2 * b + 1 < f2 ? 2 : 1;
        for (ptrdiff_t c0 = 0; c0 < c; c0 += WCB) {
            ptrdiff_t cb = c - c0 < WCB ? c - c0 : WCB;
            float out[2][WCB];
            for (ptrdiff_t k = 0; k < cb; k++) out[0][k] = out[1][k] = b2[c0 + k];
            for (int r = 0; r < 3; r++) {
                const float *x[5];
                for (int q = 0; q < 5; q++) x[q] = m + ((ptrdiff_t)(r * 5 + q) * tf + b) * c + c0;
                for (ptrdiff_t k = 0; k < cb; k++) {
                    out[0][k] += x[0][k] + x[1][k] + x[3][k];
                    out[1][k] += x[1][k] + x[2][k] + x[4][k];
                }
            }
            for (int j = 0; j < colsOut; j++) {
                float *dst = y + c0 * f2 + 2 * b + j;
                for (ptrdiff_t k = 0; k < cb; k++) dst[k * f2] = out[j][k] > 0 ? out[j][k] : 0;
            }
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void wino_input_avx2(ptrdiff_t pairs, ptrdiff_t rows, ptrdiff_t f1, ptrdiff_t tf, ptrdiff_t c,
                            const float *h, float *v) { wino_input(pairs, rows, f1, tf, c, h, v); }
__attribute__((target("avx2,fma")))
static void wino_output_avx2(ptrdiff_t frames, ptrdiff_t tf, ptrdiff_t f2, ptrdiff_t c,
                             const float *m, const float *b2, float *y) { wino_output(frames, tf, f2, c, m, b2, y); }
#endif

__attribute__((noinline))
static void wino_input_portable(ptrdiff_t pairs, ptrdiff_t rows, ptrdiff_t f1, ptrdiff_t tf, ptrdiff_t c,
                                const float *h, float *v) { wino_input(pairs, rows, f1, tf, c, h, v); }
__attribute__((noinline))
static void wino_output_portable(ptrdiff_t frames, ptrdiff_t tf, ptrdiff_t f2, ptrdiff_t c,
                                 const float *m, const float *b2, float *y) { wino_output(frames, tf, f2, c, m, b2, y); }

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void wino_tail_input_avx2(ptrdiff_t f1, ptrdiff_t tf, ptrdiff_t c, const float *h, float *v) {
    wino_tail_input(f1, tf, c, h, v);
}
__attribute__((target("avx2,fma")))
static void wino_tail_output_avx2(ptrdiff_t tf, ptrdiff_t f2, ptrdiff_t c, const float *m, const float *b2, float *y) {
    wino_tail_output(tf, f2, c, m, b2, y);
}
#endif
__attribute__((noinline))
static void wino_tail_input_portable(ptrdiff_t f1, ptrdiff_t tf, ptrdiff_t c, const float *h, float *v) {
    wino_tail_input(f1, tf, c, h, v);
}
__attribute__((noinline))
static void wino_tail_output_portable(ptrdiff_t tf, ptrdiff_t f2, ptrdiff_t c, const float *m, const float *b2,
                                      float *y) {
    wino_tail_output(tf, f2, c, m, b2, y);
}

void wb_subsampling_winograd_tail_input(ptrdiff_t f1, ptrdiff_t tf, ptrdiff_t c, const float *h, float *v) {
    if (tf <= 0 || c <= 0) return;
#if defined(__x86_64__)
    if (wb_cpu_has_avx2_fma()) { wino_tail_input_avx2(f1, tf, c, h, v); return; }
#endif
    wino_tail_input_portable(f1, tf, c, h, v);
}

void wb_subsampling_winograd_tail_output(ptrdiff_t tf, ptrdiff_t f2, ptrdiff_t c, const float *m, const float *b2,
                                         float *y) {
    if (tf <= 0 || c <= 0) return;
#if defined(__x86_64__)
    if (wb_cpu_has_avx2_fma()) { wino_tail_output_avx2(tf, f2, c, m, b2, y); return; }
#endif
    wino_tail_output_portable(tf, f2, c, m, b2, y);
}

void wb_subsampling_winograd_input(ptrdiff_t pairs, ptrdiff_t rows, ptrdiff_t f1, ptrdiff_t tf, ptrdiff_t c,
                                   const float *h, float *v) {
    if (pairs <= 0 || tf <= 0 || c <= 0) return;
#if defined(__x86_64__)
    if (wb_cpu_has_avx2_fma()) { wino_input_avx2(pairs, rows, f1, tf, c, h, v); return; }
#endif
    wino_input_portable(pairs, rows, f1, tf, c, h, v);
}

void wb_subsampling_winograd_output(ptrdiff_t frames, ptrdiff_t tf, ptrdiff_t f2, ptrdiff_t c,
                                    const float *m, const float *b2, float *y) {
    if (frames <= 0 || tf <= 0 || c <= 0) return;
#if defined(__x86_64__)
    if (wb_cpu_has_avx2_fma()) { wino_output_avx2(frames, tf, f2, c, m, b2, y); return; }
#endif
    wino_output_portable(frames, tf, f2, c, m, b2, y);
}
