// Hand-written CPU kernels for the workbench: AVX2/FMA code paths chosen at
// run time (never required at build time), each with a portable fallback.
// All matrices are row-major float32; all pointers are owned by the caller
// and only used during the call.
#ifndef WORKBENCH_CKERNELS_H
#define WORKBENCH_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

// The kernel families that declare their functions in their own headers.
#include "wb_pool.h"
#include "wb_subsampling.h"

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction sets the kernels dispatch on.
enum { WB_ISA_PORTABLE = 0, WB_ISA_AVX2 = 1, WB_ISA_AVX512 = 2 };

/// The best instruction set this CPU (and OS) runs, capped by the environment
/// variable WORKBENCH_ISA (portable, avx2 or avx512; read once) and by
/// wb_cpu_cap_isa. Cached after the first call.
int wb_cpu_isa(void);

/// 1 when the kernels may use AVX2 and FMA (wb_cpu_isa() ≥ WB_ISA_AVX2), else 0.
int wb_cpu_has_avx2_fma(void);

/// Caps the instruction set at level (a WB_ISA_* value), or removes the cap (< 0); for tests.
void wb_cpu_cap_isa(int level);

/// C[m×n] = A[m×k] · B[k×n] (C is overwritten), streaming B once per
/// group of 6 rows without packing it: the small-M GEMM. Column strips of 16
/// are independent, so callers split n over threads (pass b + n0, c + n0).
void wb_sgemm_stream(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                     const float *a, ptrdiff_t lda,
                     const float *b, ptrdiff_t ldb,
                     float *c, ptrdiff_t ldc);

/// Floats of B [k×n] packed for wb_sgemm_packed_tile: ceil(n/16) panels of k×16.
size_t wb_packed_b_floats(ptrdiff_t k, ptrdiff_t n);

/// Packs B into panels of 16 columns (panel j: k rows of 16 contiguous
/// floats, zero past n). transposed = 0: B is k×n row-major (row stride ldb);
/// 1: B is given as Bᵀ, n×k row-major (row stride ldb).
void wb_pack_b(ptrdiff_t k, ptrdiff_t n, const float *b, ptrdiff_t ldb, int transposed, float *packed);

/// Rows of C one register block of wb_sgemm_packed_tile computes at once on this
/// CPU for an m-row tile (16 with AVX-512 from 9 rows on, else 6): up to this many
/// rows, each panel of B is read once per K block whatever kc is.
ptrdiff_t wb_packed_mr(ptrdiff_t m);

/// A new id for one GEMM (all its tiles) of wb_sgemm_packed_tile; never 0.
uint64_t wb_packed_call_id(void);

/// C[0..m, panel0·16 ..< (panel0+panels)·16 ∩ n] = A[m×k] · B for the packed
/// B of wb_pack_b (C is overwritten). K runs in blocks of kc (≤ 0: all of K).
/// A's rows are copied into thread-local scratch (allocated once per thread
/// and size). Tiles of one GEMM pass the same call id (wb_packed_call_id), and
/// a thread whose previous tile had the same call, A pointer and rows skips
/// the copy: A must not change between the tiles of one call. call 0 always
/// copies. Returns 0, or -1 when that scratch cannot be allocated.
int wb_sgemm_packed_tile(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                         const float *a, ptrdiff_t lda,
                         const float *packed, ptrdiff_t panel0, ptrdiff_t panels, ptrdiff_t kc,
                         float *c, ptrdiff_t ldc, uint64_t call);

/// C[m×n] = A·B with A already packed as 16-row micro-panels (⌈m/16⌉ panels of k × 16
/// floats; the layout wb_pack_b gives Bᵀ, and wb_softmax_exp_columns16 leaves its rows in)
/// and B packed by wb_pack_b; C is overwritten. The AVX-512 kernel only: returns -1, doing
/// nothing, when the CPU (or the WORKBENCH_ISA cap) does not run it, else 0.
int wb_sgemm_apacked16(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *apack, const float *packed,
                       float *c, ptrdiff_t ldc);

/// The GEMM epilogue on an m×n block of C (row stride ldc), in this order:
/// C = act(alpha·C + bias[j]) + residual[i, j]. bias (n values) and residual
/// (row stride ldr) may be NULL. act: 0 none, 1 relu, 2 swish, 3 sigmoid,
/// 4 gelu (erf), 5 gelu (tanh).
void wb_epilogue(ptrdiff_t m, ptrdiff_t n, float *c, ptrdiff_t ldc, float alpha,
                 const float *bias, int act,
                 const float *residual, ptrdiff_t ldr);

/// y[i] = x[i] · σ(x[i]) for n values (x may equal y).
void wb_swish(ptrdiff_t n, const float *x, float *y);
/// y[i] = σ(x[i]) = 1 / (1 + e^−x[i]) for n values (x may equal y).
void wb_sigmoid(ptrdiff_t n, const float *x, float *y);
/// y[i] = ½x(1 + erf(x/√2)) for n values (x may equal y); a rational erf on AVX2.
void wb_gelu(ptrdiff_t n, const float *x, float *y);
/// y[i] = ½x(1 + tanh(√(2/π)(x + 0.044715x³))) for n values (x may equal y).
void wb_gelu_tanh(ptrdiff_t n, const float *x, float *y);

/// Softmax of n contiguous values in place: exp(x − max) / Σ; −∞ entries give 0, and a
/// row that is all −∞ or holds NaN or +∞ gives NaN (0/0), as ONNX Softmax.
void wb_softmax(ptrdiff_t n, float *p);

/// The softmax of x·scale + mask (mask: n floats, or NULL for none) without its division:
/// p becomes exp(x·scale + mask − max) and the return value is their sum, so a caller that
/// goes on to a weighted sum divides its n-long result once instead of the row. A row with
/// NaN, +∞ or no finite value gets the exact softmax (as wb_softmax) and returns 1.
float wb_softmax_exp(ptrdiff_t n, float *p, float scale, const float *mask);

/// wb_softmax_exp down the 16 columns of p [rows × 16] (row stride 16): column i becomes
/// exp(x·scale + mask[r·maskStride] − max_i) (mask NULL: none) and sums[i] its sum (16 floats
/// written). Only the first `lanes` columns are checked: returns 0, with p partly written,
/// when one holds a NaN or has no finite maximum (the caller takes the exact path) or the
/// CPU does not run AVX-512; 1 when done.
int wb_softmax_exp_columns16(ptrdiff_t rows, float *p, float scale, const float *mask, ptrdiff_t maskStride,
                             int lanes, float *sums);

/// Floats of scratch wb_attention_tile needs for sk keys of width dk and values of width dv.
size_t wb_attention_tile_floats(ptrdiff_t sk, ptrdiff_t dk, ptrdiff_t dv);

/// One attention head over sq queries and sk keys:
///     out[i, :dv] = Σ_j softmax_j(scale · q_i·k_j + mask[j·maskStride]) · v_j
/// (mask NULL: none; rows of q, k, v and out at strides ldq, ldk, ldv, ldo). The scores are
/// kept keys-major, 16 queries at a time (sk × 16, K·Qᵀ), so the softmax runs down their
/// columns and leaves them as the packed A of the product with V: nothing is repacked per
/// query block. Returns 0, or 1 (out partly written) when the CPU does not run AVX-512 or a
/// query's logits hold a NaN or no finite maximum, for which callers take their exact path.
int wb_attention_tile(ptrdiff_t sq, ptrdiff_t sk, ptrdiff_t dk, ptrdiff_t dv,
                      const float *q, ptrdiff_t ldq, const float *k, ptrdiff_t ldk, const float *v, ptrdiff_t ldv,
                      float scale, const float *mask, ptrdiff_t maskStride,
                      float *out, ptrdiff_t ldo, float *scratch);

#ifdef __cplusplus
}
#endif

#endif
