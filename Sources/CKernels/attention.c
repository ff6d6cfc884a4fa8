// One attention head with keys-major scores (declared in CKernels.h): for each block of 16
// queries, S = K·Qᵀ [sk × 16] on the AVX-512 GEMM with K packed once per head as 16-key
// micro-panels, the softmax down S's columns, then out = softmax(S)ᵀ·V with S as the packed A
// (its layout already), and each query's row divided by its sum. The row-major alternative
// (scores Q·Kᵀ, a row softmax, then P·V) packs the S-wide probabilities of every block again
// as A: for BERT's 32-wide heads that copy cost as much as half the P·V product.
#include "CKernels.h"

#define NR 16

static ptrdiff_t up16(ptrdiff_t n) { return (n + NR - 1) / NR * NR; }

size_t wb_attention_tile_floats(ptrdiff_t sk, ptrdiff_t dk, ptrdiff_t dv) {
    if (sk <= 0 || dk <= 0 || dv <= 0) return 0;
    // K as micro-panels, V as panels, one Qᵀ panel, the scores and the 16 sums.
    return (size_t)(up16(sk) * dk + up16(dv) * sk + dk * NR + up16(sk) * NR + NR);
}

int wb_attention_tile(ptrdiff_t sq, ptrdiff_t sk, ptrdiff_t dk, ptrdiff_t dv,
                      const float *q, ptrdiff_t ldq, const float *k, ptrdiff_t ldk, const float *v, ptrdiff_t ldv,
                      float scale, const float *mask, ptrdiff_t maskStride,
                      float *out, ptrdiff_t ldo, float *scratch) {
    if (sq <= 0 || dv <= 0) return 0;
    if (wb_cpu_isa() < WB_ISA_AVX512 || sk <= 0 || dk <= 0) return 1;
    float *kpack = scratch, *vpack = kpack + up16(sk) * dk, *qpanel = vpack + up16(dv) * sk;
    float *scores = qpanel + dk * NR, *sums = scores + up16(sk) * NR;
    // Kᵀ packed as B panels of 16 keys is K as A micro-panels of 16 rows.
    wb_pack_b(dk, sk, k, ldk, 1, kpack);
    wb_pack_b(sk, dv, v, ldv, 0, vpack);
    for (ptrdiff_t i0 = 0; i0 < sq; i0 += NR) {
        int lanes = (int)(sq - i0 < NR ? sq - i0 : NR);
        // Qᵀ of this block (lanes past the queries are zero), then S = K·Qᵀ.
        wb_pack_b(dk, lanes, q + i0 * ldq, ldq, 1, qpanel);
        if (wb_sgemm_apacked16(sk, NR, dk, kpack, qpanel, scores, NR) != 0) return 1;
        if (!wb_softmax_exp_columns16(sk, scores, scale, mask, maskStride, lanes, sums)) return 1;
        float *o = out + i0 * ldo;
        if (wb_sgemm_apacked16(lanes, dv, sk, scores, vpack, o, ldo) != 0) return 1;
        for (int r = 0; r < lanes; r++) {
            float inv = 1.0f / sums[r];
            float *row = o + r * ldo;
            for (ptrdiff_t j = 0; j < dv; j++) row[j] *= inv;
        }
    }
    return 0;
}
