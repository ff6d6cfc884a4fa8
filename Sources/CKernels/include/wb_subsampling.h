// The pieces of Conv2dSubsampling's block loop (see Conv2dSubsamplingPlugin):
// the first 3×3/2 convolution (one input channel) vectorized over the output
// channels, the im2col of the second, the second's weights packed for
// wb_sgemm_packed_tile, and the bias + ReLU store into the time-major output.
// All tensors are row-major float32; pointers are owned by the caller.
#ifndef WORKBENCH_SUBSAMPLING_H
#define WORKBENCH_SUBSAMPLING_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// H[r, j, c] = relu(b1[c] + Σ_{kh,kw} w1t[(kh·3 + kw)·C + c] · x[(2r + kh)·f + 2j + kw])
/// for r < rows, j < f1 = ⌊(f − 1)/2⌋: `rows` channels-last rows of the first
/// convolution, `x` pointing at the first input row they read. AVX2 when available.
void wb_subsampling_conv1(ptrdiff_t rows, ptrdiff_t f, ptrdiff_t c, const float *x,
                          const float *w1t, const float *b1, float *h);

/// The im2col rows of `frames` output frames: row (s, j) for j < f2 is
/// H[2s + kh, 2j + kw, :] for kh, kw in 0..<3, (kh, kw, c') order (9·C floats),
/// where `h` holds 2·frames + 1 channels-last rows of f1 positions.
void wb_subsampling_im2col(ptrdiff_t frames, ptrdiff_t f1, ptrdiff_t f2, ptrdiff_t c,
                           const float *h, float *col);

/// Packs W2 [C, C, 3, 3] as the B of Z = col · B, B[(kh, kw, c'), c] = W2[c, c', kh, kw],
/// into wb_pack_b's panels (wb_packed_b_floats(9·C, C) floats).
void wb_subsampling_pack_w2(ptrdiff_t c, const float *w2, float *packed);

/// y[s·C·f2 + c·f2 + j] = relu(z[(s·f2 + j)·C + c] + b2[c]) for s < frames, j < f2.
void wb_subsampling_store(ptrdiff_t frames, ptrdiff_t f2, ptrdiff_t c, const float *z,
                          const float *b2, float *y);

/// The second convolution in Winograd form (see subsampling.c): 2×2 output tiles, each from a
/// 5×5 input tile through 25 points (C×C products) in 16 weight groups. Group g's points are
/// the slots first ..< first + count (count 1, 2 or 4); group g = 4·gp + gq.
void wb_subsampling_winograd_group(int group, ptrdiff_t *first, ptrdiff_t *count);

/// Packs W2 [C, C, 3, 3] as the 16 groups' weight matrices U_g [C', C] (K = C input channels,
/// N = C output channels), each as wb_pack_b's panels (wb_packed_b_floats(C, C) floats) one
/// after another.
void wb_subsampling_pack_w2_winograd(ptrdiff_t c, const float *w2, float *packed);

/// The input transform of `pairs` × `tf` tiles (tile a·tf + b covers output frames 2a, 2a + 1
/// and frequencies 2b, 2b + 1): v[slot][tile][c] for the 25 slots, from `h`, channels-last
/// conv1 rows [rows, f1, C] (rows ≥ `rows` and columns ≥ f1 read as zero).
void wb_subsampling_winograd_input(ptrdiff_t pairs, ptrdiff_t rows, ptrdiff_t f1, ptrdiff_t tf, ptrdiff_t c,
                                   const float *h, float *v);

/// The output transform of the products m[slot][tile][c] of ⌈frames/2⌉ × tf tiles, then bias and
/// ReLU, into the time-major y[t][c·f2 + f] for t < frames, f < f2.
void wb_subsampling_winograd_output(ptrdiff_t frames, ptrdiff_t tf, ptrdiff_t f2, ptrdiff_t c,
                                    const float *m, const float *b2, float *y);

/// An odd last output frame in Winograd form: v[r·5 + q][b][c] for the 3 conv1 rows `h`
/// [3, f1, C] it reads (time taps direct, the frequency transform over tiles b < tf; columns
/// ≥ f1 read as zero). Slot r·5 + q multiplies by group 4·gp + min(q, 3) with gp = 0, 3, 2 for
/// r = 0, 1, 2 (the taps g0, g1, g2), members q = 3, 4 consecutive.
void wb_subsampling_winograd_tail_input(ptrdiff_t f1, ptrdiff_t tf, ptrdiff_t c, const float *h, float *v);

/// The tail's output transform of its products m[15][tf][C], then bias and ReLU, into the one
/// time-major frame y[c·f2 + f].
void wb_subsampling_winograd_tail_output(ptrdiff_t tf, ptrdiff_t f2, ptrdiff_t c, const float *m, const float *b2,
                                         float *y);

#ifdef __cplusplus
}
#endif

#endif
