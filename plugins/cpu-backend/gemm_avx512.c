/* AVX-512 VNNI matrix products for the quantized weight types (Q4_0, Q5_0, Q8_0, Q4_K, Q6_K).
 *
 * Weights are unpacked to unsigned bytes 64 at a time (two 32-blocks, or a quarter of a
 * 256-superblock) and multiplied with 8-bit activations by vpdpbusd; the zero point of the
 * unsigned form (16, 8, 128, K-quant mins, 32) is taken out afterwards with one float dot
 * product per row and token over per-block sums that the activation row carries. Up to 16
 * tokens share each unpacked weight chunk, so batched prefill unpacks a weight once per 16
 * tokens; a single token (decode) runs the same loop with one accumulator.
 *
 * Activation rows use this file's own layout (the "x8" form for Q8_0-family weights with one
 * scale per 32 values, as llama.cpp's Q8_0; the "xk" form for K-quants with one scale per 256,
 * as its Q8_K), so the numbers match the portable path's quantization exactly. */
#include <math.h>
#include "cpu_internal.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512DQ__) && defined(__AVX512VL__) && \
    defined(__AVX512VNNI__) && defined(__F16C__)

static inline size_t pad64(size_t v) { return (v + 63) & ~(size_t)63; }

/* ---- activation layouts ---------------------------------------------------------------------- */

/* x8 (cols a multiple of 32, nb = cols/32 blocks, nc = ceil(nb/2) chunks of 64):
 *   int8  qs[pad64(cols + 32)]   values, zero past cols (a lone last block reads a zero half)
 *   float dx16[nc][16]           per chunk: 8 × scale of block 2c, 8 × scale of block 2c+1
 *   float s[pad16(nb)]           per block: scale × Σ qs (for the zero-point correction)
 *   int32 ns4[nc][16]            per chunk and dpbusd lane: −Σ of the lane's 4 values (the
 *                                single-token kernels start each product at −zero·Σ, exactly) */
typedef struct { size_t qs, dx16, s, ns4, total; } x8_layout;
static x8_layout x8_layout_for(int64_t cols) {
    const int64_t nb = cols / 32, nc = (nb + 1) / 2;
    x8_layout l;
    l.qs = 0;
    l.dx16 = pad64((size_t)cols + 32);
    l.s = l.dx16 + (size_t)nc * 64;
    l.ns4 = pad64(l.s + (size_t)nb * 4);
    l.total = l.ns4 + (size_t)nc * 64;
    return l;
}

/* xk (cols a multiple of 256, nb superblocks):
 *   int8  qs[cols]
 *   float d[pad16(nb)]
 *   float xs16[nb][16]   d × Σ of each 16 values (Q6_K correction)
 *   float xs32[nb][8]    d × Σ of each 32 values (Q4_K mins)
 *   int32 ns4[nb * 4][16] per 64 values and dpbusd lane: −Σ of the lane's 4 values (Q6_K zero point) */
typedef struct { size_t qs, d, xs16, xs32, ns4, total; } xk_layout;
static xk_layout xk_layout_for(int64_t cols) {
    const int64_t nb = cols / 256;
    xk_layout l;
    l.qs = 0;
    l.d = pad64((size_t)cols);
    l.xs16 = pad64(l.d + (size_t)nb * 4);
    l.xs32 = l.xs16 + (size_t)nb * 64;
    l.ns4 = pad64(l.xs32 + (size_t)nb * 32);
    l.total = l.ns4 + (size_t)nb * 4 * 64;
    return l;
}

size_t ts_avx512_act_bytes(uint32_t vec_dot_type, int64_t cols) {
    if (vec_dot_type == TS_TYPE_Q8_0) return x8_layout_for(cols).total;
    if (vec_dot_type == TS_TYPE_Q8_K) return xk_layout_for(cols).total;
    return 0;
}

/* Same rounding as from_float_q8_0 (scale stored as f16 there, so rounded to f16 here). */
static void act_x8(const float *x, uint8_t *dst, int64_t cols) {
    const x8_layout l = x8_layout_for(cols);
    int8_t *qs = (int8_t *)(dst + l.qs);
    float *dx16 = (float *)(dst + l.dx16), *s = (float *)(dst + l.s);
    const int64_t nb = cols / 32;
    memset(qs + cols, 0, l.dx16 - (size_t)cols);
    for (int64_t b = 0; b < nb; b++) {
        const float *xb = x + b * 32;
        __m512 a0 = _mm512_abs_ps(_mm512_loadu_ps(xb)), a1 = _mm512_abs_ps(_mm512_loadu_ps(xb + 16));
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(a0, a1));
        const float d = amax / 127.0f, id = amax != 0.0f ? 127.0f / amax : 0.0f;
        const __m512 vid = _mm512_set1_ps(id);
        /* rintf rounds half to even, as the default MXCSR rounding of cvtps does */
        const __m512i i0 = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xb), vid));
        const __m512i i1 = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xb + 16), vid));
        _mm_storeu_si128((__m128i *)(qs + b * 32), _mm512_cvtepi32_epi8(i0));
        _mm_storeu_si128((__m128i *)(qs + b * 32 + 16), _mm512_cvtepi32_epi8(i1));
        const float dr = ts_f16_to_f32(ts_f32_to_f16(d));
        const int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
        s[b] = dr * (float)sum;
        float *v = dx16 + (b / 2) * 16 + (b % 2) * 8;
        for (int j = 0; j < 8; j++) v[j] = dr;
    }
    if (nb % 2) for (int j = 0; j < 8; j++) dx16[(nb / 2) * 16 + 8 + j] = 0.0f;
    int32_t *ns4 = (int32_t *)(dst + l.ns4);
    for (int64_t c = 0; c < (nb + 1) / 2; c++) {
        const __m512i q = _mm512_loadu_si512(qs + c * 64);
        const __m512i sum4 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(1), q);
        _mm512_storeu_si512(ns4 + c * 16, _mm512_sub_epi32(_mm512_setzero_si512(), sum4));
    }
}

/* Same rounding as from_float_q8_K. */
static void act_xk(const float *x, uint8_t *dst, int64_t cols) {
    const xk_layout l = xk_layout_for(cols);
    int8_t *qs = (int8_t *)(dst + l.qs);
    float *dd = (float *)(dst + l.d), *xs16 = (float *)(dst + l.xs16), *xs32 = (float *)(dst + l.xs32);
    const int64_t nb = cols / 256;
    for (int64_t b = 0; b < nb; b++) {
        const float *xb = x + b * 256;
        float max = 0.0f, amax = 0.0f;
        for (int j = 0; j < 256; j++) {
            const float ax = fabsf(xb[j]);
            if (ax > amax) { amax = ax; max = xb[j]; }
        }
        int8_t *q = qs + b * 256;
        if (amax == 0.0f) {
            memset(q, 0, 256);
            dd[b] = 0.0f;
            for (int g = 0; g < 16; g++) xs16[b * 16 + g] = 0.0f;
            for (int g = 0; g < 8; g++) xs32[b * 8 + g] = 0.0f;
            continue;
        }
        const float iscale = -127.0f / max;
        const __m512 vs = _mm512_set1_ps(iscale);
        int sums[16];
        for (int g = 0; g < 16; g++) {
            __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xb + 16 * g), vs));
            v = _mm512_min_epi32(v, _mm512_set1_epi32(127));
            _mm_storeu_si128((__m128i *)(q + 16 * g), _mm512_cvtepi32_epi8(v));
            sums[g] = _mm512_reduce_add_epi32(v);
        }
        const float d = 1.0f / iscale;
        dd[b] = d;
        for (int g = 0; g < 16; g++) xs16[b * 16 + g] = d * (float)sums[g];
        for (int g = 0; g < 8; g++) xs32[b * 8 + g] = d * (float)(sums[2 * g] + sums[2 * g + 1]);
    }
    int32_t *ns4 = (int32_t *)(dst + l.ns4);
    for (int64_t c = 0; c < nb * 4; c++) {
        const __m512i sum4 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(1), _mm512_loadu_si512(qs + c * 64));
        _mm512_storeu_si512(ns4 + c * 16, _mm512_sub_epi32(_mm512_setzero_si512(), sum4));
    }
}

void ts_avx512_act(uint32_t vec_dot_type, const float *x, void *dst, int64_t cols) {
    if (vec_dot_type == TS_TYPE_Q8_0) act_x8(x, dst, cols);
    else if (vec_dot_type == TS_TYPE_Q8_K) act_xk(x, dst, cols);
}

/* ---- helpers ------------------------------------------------------------------------------------ */

static inline float dot_f32(const float *a, const float *b, int64_t n) {
    __m512 acc = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc);
    if (i < n) {
        const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

/* [f0 × 8, f1 × 8] from two f16 scales */
static inline __m512 pair_scale(uint16_t h0, uint16_t h1) {
    const __m128 f = _mm_cvtph_ps(_mm_cvtsi32_si128((int)((uint32_t)h0 | ((uint32_t)h1 << 16))));
    const __m512i idx = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    return _mm512_permutexvar_ps(idx, _mm512_castps128_ps512(f));
}

#define TS_MAX_TILE 16

/* ---- Q8_0-family weights (one f16 scale per 32) -------------------------------------------------- */

/* The values of blocks b[0] and b[1] (b[1] only when `two`) as unsigned bytes, one block per
 * 256-bit half. The batched kernels (unpack_*) and the single-token ones (u_*) share these and
 * differ only in how they hand back the two scales. */
static inline __m512i q8_0_values(const block_q8_0 *b, int two) {
    const __m256i lo = _mm256_loadu_si256((const __m256i *)b[0].qs);
    const __m256i hi = two ? _mm256_loadu_si256((const __m256i *)b[1].qs) : _mm256_setzero_si256();
    return _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), _mm512_set1_epi8((char)0x80));
}

/* Unpacks chunk c (blocks 2c and 2c+1; block 2c+1 only when `two`) to unsigned bytes; returns its scales. */
static inline __m512i unpack_q8_0(const uint8_t *row, int64_t c, int two, float *dw) {
    const block_q8_0 *b = (const block_q8_0 *)row + 2 * c;
    dw[0] = ts_f16_to_f32(b[0].d);
    dw[1] = two ? ts_f16_to_f32(b[1].d) : 0.0f;
    return q8_0_values(b, two);
}

/* [q0, q0, q1, q1] by 128-bit lane, then the upper copies shifted down a nibble */
static inline __m512i nibble_pairs(const uint8_t *q0, const uint8_t *q1) {
    const __m128i a = _mm_loadu_si128((const __m128i *)q0);
    const __m128i b = q1 ? _mm_loadu_si128((const __m128i *)q1) : _mm_setzero_si128();
    const __m512i ab = _mm512_castsi256_si512(_mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1));
    __m512i z = _mm512_permutexvar_epi64(_mm512_set_epi64(3, 2, 3, 2, 1, 0, 1, 0), ab);
    z = _mm512_mask_srli_epi16(z, (__mmask32)0xFF00FF00u, z, 4);
    return _mm512_and_si512(z, _mm512_set1_epi8(0x0F));
}

static inline __m512i q4_0_values(const block_q4_0 *b, int two) { return nibble_pairs(b[0].qs, two ? b[1].qs : NULL); }

static inline __m512i q5_0_values(const block_q5_0 *b, int two) {
    uint32_t h0, h1 = 0;
    memcpy(&h0, b[0].qh, 4);
    if (two) memcpy(&h1, b[1].qh, 4);
    const __m512i z = nibble_pairs(b[0].qs, two ? b[1].qs : NULL);
    const __mmask64 k = (__mmask64)h0 | ((__mmask64)h1 << 32);
    return _mm512_mask_add_epi8(z, k, z, _mm512_set1_epi8(0x10));
}

static inline __m512i unpack_q4_0(const uint8_t *row, int64_t c, int two, float *dw) {
    const block_q4_0 *b = (const block_q4_0 *)row + 2 * c;
    dw[0] = ts_f16_to_f32(b[0].d);
    dw[1] = two ? ts_f16_to_f32(b[1].d) : 0.0f;
    return q4_0_values(b, two);
}

static inline __m512i unpack_q5_0(const uint8_t *row, int64_t c, int two, float *dw) {
    const block_q5_0 *b = (const block_q5_0 *)row + 2 * c;
    dw[0] = ts_f16_to_f32(b[0].d);
    dw[1] = two ? ts_f16_to_f32(b[1].d) : 0.0f;
    return q5_0_values(b, two);
}

/* y[t][r] for rows r0..r1 and NT tokens: Σ_c dw·dx·dot(u, x) − zero · Σ_b dw_b·s_b */
#define X8_KERNEL(NAME, UNPACK, ZERO, BLOCK_BYTES)                                                               \
    static inline __attribute__((always_inline)) void NAME(const uint8_t *w, size_t row_stride, int64_t r0, int64_t r1, int64_t cols,                 \
                     const uint8_t *xa, size_t xs, int64_t t0, int nt, float *y, int64_t ldy) {                  \
        const x8_layout l = x8_layout_for(cols);                                                                  \
        const int64_t nb = cols / 32, nc = (nb + 1) / 2;                                                          \
        float dws[nb + 1];                                                                                        \
        for (int64_t r = r0; r < r1; r++) {                                                                       \
            const uint8_t *row = w + (size_t)r * row_stride;                                                      \
            __m512 acc[TS_MAX_TILE];                                                                              \
            for (int t = 0; t < nt; t++) acc[t] = _mm512_setzero_ps();                                            \
            for (int64_t c = 0; c < nc; c++) {                                                                    \
                const int two = 2 * c + 1 < nb;                                                                   \
                const __m512i u = UNPACK(row, c, two, dws + 2 * c);                                               \
                const __m512 dw = _mm512_insertf32x8(_mm512_set1_ps(dws[2 * c]), _mm256_set1_ps(dws[2 * c + 1]), 1); \
                for (int t = 0; t < nt; t++) {                                                                    \
                    const uint8_t *xt = xa + (size_t)(t0 + t) * xs;                                               \
                    const __m512i q = _mm512_loadu_si512(xt + l.qs + (size_t)c * 64);                             \
                    const __m512 p = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), u, q));       \
                    const __m512 dx = _mm512_loadu_ps((const float *)(xt + l.dx16) + c * 16);                     \
                    acc[t] = _mm512_fmadd_ps(p, _mm512_mul_ps(dw, dx), acc[t]);                                   \
                }                                                                                                 \
            }                                                                                                     \
            for (int t = 0; t < nt; t++) {                                                                        \
                const uint8_t *xt = xa + (size_t)(t0 + t) * xs;                                                   \
                const float corr = dot_f32(dws, (const float *)(xt + l.s), nb);                                   \
                y[(t0 + t) * ldy + r] = _mm512_reduce_add_ps(acc[t]) - (float)(ZERO) * corr;                      \
            }                                                                                                     \
        }                                                                                                         \
        (void)(BLOCK_BYTES);                                                                                      \
    }

X8_KERNEL(gemm_q8_0, unpack_q8_0, 128, 34)
X8_KERNEL(gemm_q5_0, unpack_q5_0, 16, 22)
X8_KERNEL(gemm_q4_0, unpack_q4_0, 8, 18)

/* Single-token products (decode): four rows at a time, so that the activation chunk, its scales
 * and the zero-point term are loaded once for four weight rows and four independent accumulator
 * chains hide the FMA latency. Each dpbusd starts from −zero·Σx of its lane, so the product is
 * the exact integer Σ w·x of the lane's four values and no per-row correction is left. The next
 * rows are prefetched a row group ahead so that memory reads overlap the arithmetic. */

/* Chunk c's values, and its scales as [d0 × 8, d1 × 8]. */
static inline __m512i u_q8_0(const uint8_t *row, int64_t c, int two, __m512 *dw) {
    const block_q8_0 *b = (const block_q8_0 *)row + 2 * c;
    *dw = pair_scale(b[0].d, two ? b[1].d : 0);
    return q8_0_values(b, two);
}
static inline __m512i u_q4_0(const uint8_t *row, int64_t c, int two, __m512 *dw) {
    const block_q4_0 *b = (const block_q4_0 *)row + 2 * c;
    *dw = pair_scale(b[0].d, two ? b[1].d : 0);
    return q4_0_values(b, two);
}
static inline __m512i u_q5_0(const uint8_t *row, int64_t c, int two, __m512 *dw) {
    const block_q5_0 *b = (const block_q5_0 *)row + 2 * c;
    *dw = pair_scale(b[0].d, two ? b[1].d : 0);
    return q5_0_values(b, two);
}

/* Σ of each of four vectors → out[0..3] */
static inline void reduce4(__m512 a, __m512 b, __m512 c, __m512 d, float *out) {
    /* pairwise: 512 → 256 per vector, interleaved so that one add serves two vectors */
    const __m512 ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x44), _mm512_shuffle_f32x4(a, b, 0xEE));
    const __m512 cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, 0x44), _mm512_shuffle_f32x4(c, d, 0xEE));
    /* ab: a0 a1 b0 b1 (128-bit lanes, a0+a2, a1+a3 ...) */
    const __m512 abcd = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, 0x88), _mm512_shuffle_f32x4(ab, cd, 0xDD));
    /* abcd: lanes A B C D, each a 4-float partial of one vector */
    const __m512 t1 = _mm512_add_ps(abcd, _mm512_permute_ps(abcd, 0x4E));
    const __m512 t2 = _mm512_add_ps(t1, _mm512_permute_ps(t1, 0xB1));
    const __m128 r = _mm512_castps512_ps128(_mm512_permutexvar_ps(_mm512_set_epi32(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 8, 4, 0), t2));
    _mm_storeu_ps(out, r);
}

#define X8_PREFETCH_ROWS 8

#define X8_GEMV(NAME, UNPACK, SHIFT, CHUNK_BYTES)                                                                \
    static void NAME(const uint8_t *w, size_t rs, int64_t r0, int64_t r1, int64_t cols, const uint8_t *xa,      \
                     float *y) {                                                                                 \
        const x8_layout l = x8_layout_for(cols);                                                                  \
        const int64_t nb = cols / 32, nc = (nb + 1) / 2;                                                          \
        const int8_t *xq = (const int8_t *)(xa + l.qs);                                                           \
        const float *dx16 = (const float *)(xa + l.dx16);                                                         \
        const int32_t *ns4 = (const int32_t *)(xa + l.ns4);                                                       \
        int64_t r = r0;                                                                                           \
        for (; r + 4 <= r1; r += 4) {                                                                             \
            const uint8_t *w0 = w + (size_t)r * rs, *w1 = w0 + rs, *w2 = w1 + rs, *w3 = w2 + rs;                  \
            const char *pf = (const char *)(w0 + X8_PREFETCH_ROWS * rs);                                            \
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;                                           \
            for (int64_t c = 0; c < nc; c++) {                                                                    \
                const int two = 2 * c + 1 < nb;                                                                   \
                /* the group 8 rows ahead, 4 chunks' bytes per chunk: the whole group by its last chunk */   \
                for (int off = 0; off < 4 * (CHUNK_BYTES); off += 64)                                             \
                    _mm_prefetch(pf + c * 4 * (CHUNK_BYTES) + off, _MM_HINT_T0);                                  \
                const __m512i q = _mm512_loadu_si512(xq + c * 64);                                                \
                const __m512 dx = _mm512_loadu_ps(dx16 + c * 16);                                                 \
                const __m512i z = _mm512_slli_epi32(_mm512_loadu_si512(ns4 + c * 16), SHIFT);                     \
                __m512 d0, d1, d2, d3;                                                                            \
                const __m512i u0 = UNPACK(w0, c, two, &d0), u1 = UNPACK(w1, c, two, &d1);                         \
                const __m512i u2 = UNPACK(w2, c, two, &d2), u3 = UNPACK(w3, c, two, &d3);                         \
                a0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, u0, q)), _mm512_mul_ps(d0, dx), a0); \
                a1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, u1, q)), _mm512_mul_ps(d1, dx), a1); \
                a2 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, u2, q)), _mm512_mul_ps(d2, dx), a2); \
                a3 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, u3, q)), _mm512_mul_ps(d3, dx), a3); \
            }                                                                                                     \
            reduce4(a0, a1, a2, a3, y + r);                                                                       \
        }                                                                                                         \
        for (; r < r1; r++) {                                                                                     \
            const uint8_t *w0 = w + (size_t)r * rs;                                                               \
            __m512 a0 = _mm512_setzero_ps();                                                                      \
            for (int64_t c = 0; c < nc; c++) {                                                                    \
                const int two = 2 * c + 1 < nb;                                                                   \
                const __m512i q = _mm512_loadu_si512(xq + c * 64);                                                \
                const __m512 dx = _mm512_loadu_ps(dx16 + c * 16);                                                 \
                const __m512i z = _mm512_slli_epi32(_mm512_loadu_si512(ns4 + c * 16), SHIFT);                     \
                __m512 d0;                                                                                        \
                const __m512i u0 = UNPACK(w0, c, two, &d0);                                                       \
                a0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(z, u0, q)), _mm512_mul_ps(d0, dx), a0); \
            }                                                                                                     \
            y[r] = _mm512_reduce_add_ps(a0);                                                                      \
        }                                                                                                         \
    }

X8_GEMV(gemv_q8_0, u_q8_0, 7, 68)
X8_GEMV(gemv_q5_0, u_q5_0, 4, 44)
X8_GEMV(gemv_q4_0, u_q4_0, 3, 36)

/* ---- K-quants --------------------------------------------------------------------------------------- */

static inline void q4k_unpack_scales(const uint8_t *scales, uint8_t sc[8], uint8_t mn[8]) {
    uint32_t u[4];
    memcpy(u, scales, 12);
    const uint32_t k1 = 0x3f3f3f3f, k2 = 0x0f0f0f0f, k3 = 0x03030303;
    u[3] = ((u[2] >> 4) & k2) | (((u[1] >> 6) & k3) << 4);
    const uint32_t aux = u[1] & k1;
    u[1] = (u[2] & k2) | (((u[0] >> 6) & k3) << 4);
    u[2] = aux;
    u[0] &= k1;
    memcpy(sc, u, 8);
    memcpy(mn, u + 2, 8);
}

static inline __attribute__((always_inline)) void gemm_q4_K(const uint8_t *w, size_t row_stride, int64_t r0, int64_t r1, int64_t cols, const uint8_t *xa,
                      size_t xs, int64_t t0, int nt, float *y, int64_t ldy) {
    const xk_layout l = xk_layout_for(cols);
    const int64_t nb = cols / 256;
    float mins[nb * 8];
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i sel[4] = {
        _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
        _mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2),
        _mm512_set_epi32(5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4),
        _mm512_set_epi32(7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6, 6, 6),
    };
    for (int64_t r = r0; r < r1; r++) {
        const block_q4_K *b = (const block_q4_K *)(w + (size_t)r * row_stride);
        __m512 acc[TS_MAX_TILE];
        for (int t = 0; t < nt; t++) acc[t] = _mm512_setzero_ps();
        for (int64_t i = 0; i < nb; i++) {
            uint8_t sc[8], mn[8];
            q4k_unpack_scales(b[i].scales, sc, mn);
            const float d = ts_f16_to_f32(b[i].d), dmin = ts_f16_to_f32(b[i].dmin);
            uint64_t sc64, mn64;
            memcpy(&sc64, sc, 8);
            memcpy(&mn64, mn, 8);
            const __m256 scf = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)sc64))),
                                             _mm256_set1_ps(d));
            _mm256_storeu_ps(mins + i * 8, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)mn64))),
                                                         _mm256_set1_ps(dmin)));
            const __m512 scz = _mm512_castps256_ps512(scf);
            __m512 part[TS_MAX_TILE];
            for (int t = 0; t < nt; t++) part[t] = _mm512_setzero_ps();
            for (int j = 0; j < 4; j++) {
                const __m256i q = _mm256_loadu_si256((const __m256i *)(b[i].qs + 32 * j));
                const __m512i u = _mm512_and_si512(
                    _mm512_inserti64x4(_mm512_castsi256_si512(q), _mm256_srli_epi16(q, 4), 1), m4);
                const __m512 dw = _mm512_permutexvar_ps(sel[j], scz);
                for (int t = 0; t < nt; t++) {
                    const uint8_t *xt = xa + (size_t)(t0 + t) * xs;
                    const __m512i x = _mm512_loadu_si512(xt + l.qs + (size_t)i * 256 + 64 * j);
                    part[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), u, x)), dw, part[t]);
                }
            }
            for (int t = 0; t < nt; t++) {
                const float *dx = (const float *)(xa + (size_t)(t0 + t) * xs + l.d);
                acc[t] = _mm512_fmadd_ps(part[t], _mm512_set1_ps(dx[i]), acc[t]);
            }
        }
        for (int t = 0; t < nt; t++) {
            const uint8_t *xt = xa + (size_t)(t0 + t) * xs;
            const float corr = dot_f32(mins, (const float *)(xt + l.xs32), nb * 8);
            y[(t0 + t) * ldy + r] = _mm512_reduce_add_ps(acc[t]) - corr;
        }
    }
}

static inline __attribute__((always_inline)) void gemm_q6_K(const uint8_t *w, size_t row_stride, int64_t r0, int64_t r1, int64_t cols, const uint8_t *xa,
                      size_t xs, int64_t t0, int nt, float *y, int64_t ldy) {
    const xk_layout l = xk_layout_for(cols);
    const int64_t nb = cols / 256;
    float scs[nb * 16];
    const __m512i m4 = _mm512_set1_epi8(0x0F), m3 = _mm512_set1_epi8(3);
    const __m512i sel[4] = {
        _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0),
        _mm512_set_epi32(7, 7, 7, 7, 6, 6, 6, 6, 5, 5, 5, 5, 4, 4, 4, 4),
        _mm512_set_epi32(11, 11, 11, 11, 10, 10, 10, 10, 9, 9, 9, 9, 8, 8, 8, 8),
        _mm512_set_epi32(15, 15, 15, 15, 14, 14, 14, 14, 13, 13, 13, 13, 12, 12, 12, 12),
    };
    for (int64_t r = r0; r < r1; r++) {
        const block_q6_K *b = (const block_q6_K *)(w + (size_t)r * row_stride);
        __m512 acc[TS_MAX_TILE];
        for (int t = 0; t < nt; t++) acc[t] = _mm512_setzero_ps();
        for (int64_t i = 0; i < nb; i++) {
            const __m512 scf = _mm512_mul_ps(
                _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)b[i].scales))),
                _mm512_set1_ps(ts_f16_to_f32(b[i].d)));
            _mm512_storeu_ps(scs + i * 16, scf);
            __m512 part[TS_MAX_TILE];
            for (int t = 0; t < nt; t++) part[t] = _mm512_setzero_ps();
            for (int half = 0; half < 2; half++) {
                const __m512i lq = _mm512_loadu_si512(b[i].ql + 64 * half);
                const __m256i h = _mm256_loadu_si256((const __m256i *)(b[i].qh + 32 * half));
                const __m512i hz = _mm512_inserti64x4(_mm512_castsi256_si512(h), _mm256_srli_epi16(h, 2), 1);
                const __m512i ua = _mm512_or_si512(_mm512_and_si512(lq, m4),
                                                   _mm512_slli_epi16(_mm512_and_si512(hz, m3), 4));
                const __m512i ub = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(lq, 4), m4),
                                                   _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hz, 4), m3), 4));
                const __m512 dwa = _mm512_permutexvar_ps(sel[2 * half], scf);
                const __m512 dwb = _mm512_permutexvar_ps(sel[2 * half + 1], scf);
                for (int t = 0; t < nt; t++) {
                    const uint8_t *xt = xa + (size_t)(t0 + t) * xs + l.qs + (size_t)i * 256 + 128 * half;
                    const __m512i xa0 = _mm512_loadu_si512(xt), xb0 = _mm512_loadu_si512(xt + 64);
                    part[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), ua, xa0)), dwa, part[t]);
                    part[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), ub, xb0)), dwb, part[t]);
                }
            }
            for (int t = 0; t < nt; t++) {
                const float *dx = (const float *)(xa + (size_t)(t0 + t) * xs + l.d);
                acc[t] = _mm512_fmadd_ps(part[t], _mm512_set1_ps(dx[i]), acc[t]);
            }
        }
        for (int t = 0; t < nt; t++) {
            const uint8_t *xt = xa + (size_t)(t0 + t) * xs;
            const float corr = dot_f32(scs, (const float *)(xt + l.xs16), nb * 16);
            y[(t0 + t) * ldy + r] = _mm512_reduce_add_ps(acc[t]) - 32.0f * corr;
        }
    }
}

/* Single-token K-quant products, four rows at a time as the X8 ones: the activation loads are
 * shared, the superblock scales are multiplied by the activation scale once, Q6_K's zero point
 * starts each dpbusd (ns4) and Q4_K's mins go to an 8-wide accumulator of their own. */
#define K_PREFETCH_ROWS 8

static inline __attribute__((always_inline)) void gemv_q4_K_rows(const uint8_t *w, size_t rs, int64_t r, int64_t cols,
                                                                 const uint8_t *xa, float *y, const int R) {
    const xk_layout l = xk_layout_for(cols);
    const int64_t nb = cols / 256;
    const int8_t *xq = (const int8_t *)(xa + l.qs);
    const float *dx = (const float *)(xa + l.d), *xs32 = (const float *)(xa + l.xs32);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i sel[4] = {
        _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
        _mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2),
        _mm512_set_epi32(5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 4, 4),
        _mm512_set_epi32(7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6, 6, 6),
    };
    __m512 acc[4];
    __m256 macc[4];
    for (int k = 0; k < R; k++) { acc[k] = _mm512_setzero_ps(); macc[k] = _mm256_setzero_ps(); }
    const char *pf = (const char *)(w + (size_t)(r + K_PREFETCH_ROWS) * rs);
    for (int64_t i = 0; i < nb; i++) {
        if (R == 4)
            for (int off = 0; off < 4 * 144; off += 64) _mm_prefetch(pf + i * 4 * 144 + off, _MM_HINT_T0);
        __m512 scz[4];
        for (int k = 0; k < R; k++) {
            const block_q4_K *b = (const block_q4_K *)(w + (size_t)(r + k) * rs) + i;
            uint8_t sc[8], mn[8];
            q4k_unpack_scales(b->scales, sc, mn);
            uint64_t sc64, mn64;
            memcpy(&sc64, sc, 8);
            memcpy(&mn64, mn, 8);
            const float d = ts_f16_to_f32(b->d) * dx[i], dmin = ts_f16_to_f32(b->dmin);
            scz[k] = _mm512_castps256_ps512(_mm256_mul_ps(
                _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)sc64))), _mm256_set1_ps(d)));
            const __m256 mf = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)mn64))),
                                            _mm256_set1_ps(dmin));
            macc[k] = _mm256_fmadd_ps(mf, _mm256_loadu_ps(xs32 + i * 8), macc[k]);
        }
        for (int j = 0; j < 4; j++) {
            const __m512i x = _mm512_loadu_si512(xq + i * 256 + 64 * j);
            for (int k = 0; k < R; k++) {
                const block_q4_K *b = (const block_q4_K *)(w + (size_t)(r + k) * rs) + i;
                const __m256i q = _mm256_loadu_si256((const __m256i *)(b->qs + 32 * j));
                const __m512i u = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(q), _mm256_srli_epi16(q, 4), 1), m4);
                acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), u, x)),
                                         _mm512_permutexvar_ps(sel[j], scz[k]), acc[k]);
            }
        }
    }
    float mins[4];
    for (int k = 0; k < R; k++) {
        const __m128 h = _mm_add_ps(_mm256_castps256_ps128(macc[k]), _mm256_extractf128_ps(macc[k], 1));
        mins[k] = _mm_cvtss_f32(_mm_hadd_ps(_mm_hadd_ps(h, h), _mm_hadd_ps(h, h)));
    }
    if (R == 4) {
        reduce4(acc[0], acc[1], acc[2], acc[3], y + r);
        for (int k = 0; k < 4; k++) y[r + k] -= mins[k];
    } else {
        y[r] = _mm512_reduce_add_ps(acc[0]) - mins[0];
    }
}

static void gemv_q4_K(const uint8_t *w, size_t rs, int64_t r0, int64_t r1, int64_t cols, const uint8_t *xa, float *y) {
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4) gemv_q4_K_rows(w, rs, r, cols, xa, y, 4);
    for (; r < r1; r++) gemv_q4_K_rows(w, rs, r, cols, xa, y, 1);
}

static inline __attribute__((always_inline)) void gemv_q6_K_rows(const uint8_t *w, size_t rs, int64_t r, int64_t cols,
                                                                 const uint8_t *xa, float *y, const int R) {
    const xk_layout l = xk_layout_for(cols);
    const int64_t nb = cols / 256;
    const int8_t *xq = (const int8_t *)(xa + l.qs);
    const float *dx = (const float *)(xa + l.d);
    const int32_t *ns4 = (const int32_t *)(xa + l.ns4);
    const __m512i m4 = _mm512_set1_epi8(0x0F), m3 = _mm512_set1_epi8(3);
    const __m512i sel[4] = {
        _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0),
        _mm512_set_epi32(7, 7, 7, 7, 6, 6, 6, 6, 5, 5, 5, 5, 4, 4, 4, 4),
        _mm512_set_epi32(11, 11, 11, 11, 10, 10, 10, 10, 9, 9, 9, 9, 8, 8, 8, 8),
        _mm512_set_epi32(15, 15, 15, 15, 14, 14, 14, 14, 13, 13, 13, 13, 12, 12, 12, 12),
    };
    __m512 acc[4];
    for (int k = 0; k < R; k++) acc[k] = _mm512_setzero_ps();
    const char *pf = (const char *)(w + (size_t)(r + K_PREFETCH_ROWS) * rs);
    for (int64_t i = 0; i < nb; i++) {
        if (R == 4)
            for (int off = 0; off < 4 * 210; off += 64) _mm_prefetch(pf + i * 4 * 210 + off, _MM_HINT_T0);
        __m512 scf[4];
        for (int k = 0; k < R; k++) {
            const block_q6_K *b = (const block_q6_K *)(w + (size_t)(r + k) * rs) + i;
            scf[k] = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)b->scales))),
                                   _mm512_set1_ps(ts_f16_to_f32(b->d) * dx[i]));
        }
        for (int half = 0; half < 2; half++) {
            const int8_t *xt = xq + i * 256 + 128 * half;
            const __m512i xa0 = _mm512_loadu_si512(xt), xb0 = _mm512_loadu_si512(xt + 64);
            const __m512i za = _mm512_slli_epi32(_mm512_loadu_si512(ns4 + (i * 4 + 2 * half) * 16), 5);
            const __m512i zb = _mm512_slli_epi32(_mm512_loadu_si512(ns4 + (i * 4 + 2 * half + 1) * 16), 5);
            for (int k = 0; k < R; k++) {
                const block_q6_K *b = (const block_q6_K *)(w + (size_t)(r + k) * rs) + i;
                const __m512i lq = _mm512_loadu_si512(b->ql + 64 * half);
                const __m256i h = _mm256_loadu_si256((const __m256i *)(b->qh + 32 * half));
                const __m512i hz = _mm512_inserti64x4(_mm512_castsi256_si512(h), _mm256_srli_epi16(h, 2), 1);
                const __m512i ua = _mm512_or_si512(_mm512_and_si512(lq, m4), _mm512_slli_epi16(_mm512_and_si512(hz, m3), 4));
                const __m512i ub = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(lq, 4), m4),
                                                   _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hz, 4), m3), 4));
                acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(za, ua, xa0)),
                                         _mm512_permutexvar_ps(sel[2 * half], scf[k]), acc[k]);
                acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zb, ub, xb0)),
                                         _mm512_permutexvar_ps(sel[2 * half + 1], scf[k]), acc[k]);
            }
        }
    }
    if (R == 4) reduce4(acc[0], acc[1], acc[2], acc[3], y + r);
    else y[r] = _mm512_reduce_add_ps(acc[0]);
}

static void gemv_q6_K(const uint8_t *w, size_t rs, int64_t r0, int64_t r1, int64_t cols, const uint8_t *xa, float *y) {
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4) gemv_q6_K_rows(w, rs, r, cols, xa, y, 4);
    for (; r < r1; r++) gemv_q6_K_rows(w, rs, r, cols, xa, y, 1);
}

/* ---- entry -------------------------------------------------------------------------------------------- */

typedef void (*tile_fn)(const uint8_t *, size_t, int64_t, int64_t, int64_t, const uint8_t *, size_t, int64_t, int,
                        float *, int64_t);

/* One copy of each kernel per tile width, so that the accumulators stay in registers. */
#define TILE_WIDTHS(K)                                                                                          \
    static void K##_w(const uint8_t *w, size_t rs, int64_t r0, int64_t r1, int64_t cols, const uint8_t *xa,   \
                      size_t xs, int64_t t0, int nt, float *y, int64_t ldy) {                                   \
        switch (nt) {                                                                                           \
        case 16: K(w, rs, r0, r1, cols, xa, xs, t0, 16, y, ldy); break;                                         \
        case 8: K(w, rs, r0, r1, cols, xa, xs, t0, 8, y, ldy); break;                                           \
        case 4: K(w, rs, r0, r1, cols, xa, xs, t0, 4, y, ldy); break;                                           \
        case 2: K(w, rs, r0, r1, cols, xa, xs, t0, 2, y, ldy); break;                                           \
        default: K(w, rs, r0, r1, cols, xa, xs, t0, 1, y, ldy); break;                                          \
        }                                                                                                       \
    }
TILE_WIDTHS(gemm_q8_0)
TILE_WIDTHS(gemm_q5_0)
TILE_WIDTHS(gemm_q4_0)
TILE_WIDTHS(gemm_q4_K)
TILE_WIDTHS(gemm_q6_K)

static tile_fn tile_for(uint32_t type) {
    switch (type) {
    case TS_TYPE_Q8_0: return gemm_q8_0_w;
    case TS_TYPE_Q5_0: return gemm_q5_0_w;
    case TS_TYPE_Q4_0: return gemm_q4_0_w;
    case TS_TYPE_Q4_K: return gemm_q4_K_w;
    case TS_TYPE_Q6_K: return gemm_q6_K_w;
    default: return NULL;
    }
}

int ts_avx512_supports(uint32_t type) { return tile_for(type) != NULL; }

typedef void (*gemv_fn)(const uint8_t *, size_t, int64_t, int64_t, int64_t, const uint8_t *, float *);

static gemv_fn gemv_for(uint32_t type) {
    switch (type) {
    case TS_TYPE_Q8_0: return gemv_q8_0;
    case TS_TYPE_Q5_0: return gemv_q5_0;
    case TS_TYPE_Q4_0: return gemv_q4_0;
    case TS_TYPE_Q4_K: return gemv_q4_K;
    case TS_TYPE_Q6_K: return gemv_q6_K;
    default: return NULL;
    }
}

void ts_avx512_gemm(uint32_t type, const void *w, size_t row_stride, int64_t r0, int64_t r1, int64_t cols,
                    const void *xa, size_t xs, int64_t n, float *y, int64_t ldy) {
    const gemv_fn g = gemv_for(type);
    if (n == 1 && g) { g(w, row_stride, r0, r1, cols, xa, y); return; }
    const tile_fn f = tile_for(type);
    for (int64_t t0 = 0; t0 < n;) {
        const int64_t left = n - t0;
        const int nt = left >= 16 ? 16 : left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
        f(w, row_stride, r0, r1, cols, xa, xs, t0, nt, y, ldy);
        t0 += nt;
    }
}

int ts_avx512_compiled(void) { return 1; }

#else

size_t ts_avx512_act_bytes(uint32_t vec_dot_type, int64_t cols) { (void)vec_dot_type; (void)cols; return 0; }
void ts_avx512_act(uint32_t vec_dot_type, const float *x, void *dst, int64_t cols) {
    (void)vec_dot_type; (void)x; (void)dst; (void)cols;
}
int ts_avx512_supports(uint32_t type) { (void)type; return 0; }
void ts_avx512_gemm(uint32_t type, const void *w, size_t row_stride, int64_t r0, int64_t r1, int64_t cols,
                    const void *xa, size_t xs, int64_t n, float *y, int64_t ldy) {
    (void)type; (void)w; (void)row_stride; (void)r0; (void)r1; (void)cols; (void)xa; (void)xs; (void)n; (void)y; (void)ldy;
}
int ts_avx512_compiled(void) { return 0; }

#endif
