/* Block formats: dequantization, activation quantization and dot products.
 * Each dot product exists as a portable C version and, where the compiler targets
 * AVX2, an intrinsics version; ts_cpu_traits picks one at run time. */
#include <math.h>
#include <stdlib.h>
#include "cpu_internal.h"

/* ---- dequantization -------------------------------------------------------- */

static void to_float_f32(const void *src, float *dst, int64_t n) { memcpy(dst, src, (size_t)n * 4); }
static void to_float_f16(const void *src, float *dst, int64_t n) {
    const uint16_t *s = src; for (int64_t i = 0; i < n; i++) dst[i] = ts_f16_to_f32(s[i]);
}
static void to_float_bf16(const void *src, float *dst, int64_t n) {
    const uint16_t *s = src; for (int64_t i = 0; i < n; i++) dst[i] = ts_bf16_to_f32(s[i]);
}
static void to_float_q4_0(const void *src, float *y, int64_t n) {
    const block_q4_0 *b = src;
    for (int64_t i = 0; i < n / QK4_0; i++, y += QK4_0) {
        const float d = ts_f16_to_f32(b[i].d);
        for (int j = 0; j < QK4_0 / 2; j++) {
            y[j] = ((b[i].qs[j] & 0x0F) - 8) * d;
            y[j + QK4_0 / 2] = ((b[i].qs[j] >> 4) - 8) * d;
        }
    }
}
static void to_float_q5_0(const void *src, float *y, int64_t n) {
    const block_q5_0 *b = src;
    for (int64_t i = 0; i < n / QK5_0; i++, y += QK5_0) {
        const float d = ts_f16_to_f32(b[i].d);
        uint32_t qh; memcpy(&qh, b[i].qh, 4);
        for (int j = 0; j < QK5_0 / 2; j++) {
            const int hi0 = ((qh >> j) << 4) & 0x10;
            const int hi1 = (qh >> (j + 12)) & 0x10;
            y[j] = (((b[i].qs[j] & 0x0F) | hi0) - 16) * d;
            y[j + QK5_0 / 2] = (((b[i].qs[j] >> 4) | hi1) - 16) * d;
        }
    }
}
static void to_float_q8_0(const void *src, float *y, int64_t n) {
    const block_q8_0 *b = src;
    for (int64_t i = 0; i < n / QK8_0; i++, y += QK8_0) {
        const float d = ts_f16_to_f32(b[i].d);
        for (int j = 0; j < QK8_0; j++) y[j] = b[i].qs[j] * d;
    }
}

/* Q4_K packs eight 6-bit scales and eight 6-bit mins into 12 bytes. */
static inline void q4k_scale_min(int j, const uint8_t *q, uint8_t *sc, uint8_t *m) {
    if (j < 4) { *sc = q[j] & 63; *m = q[j + 4] & 63; }
    else {
        *sc = (uint8_t)((q[j + 4] & 0x0F) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

static void to_float_q4_K(const void *src, float *y, int64_t n) {
    const block_q4_K *b = src;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = ts_f16_to_f32(b[i].d), dmin = ts_f16_to_f32(b[i].dmin);
        const uint8_t *q = b[i].qs;
        for (int j = 0, is = 0; j < QK_K; j += 64, is += 2, q += 32) {
            uint8_t sc, m;
            q4k_scale_min(is, b[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = dmin * m;
            q4k_scale_min(is + 1, b[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = dmin * m;
            for (int l = 0; l < 32; l++) *y++ = d1 * (q[l] & 0x0F) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * (q[l] >> 4) - m2;
        }
    }
}

static void to_float_q6_K(const void *src, float *y, int64_t n) {
    const block_q6_K *b = src;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = ts_f16_to_f32(b[i].d);
        const uint8_t *ql = b[i].ql, *qh = b[i].qh;
        const int8_t *sc = b[i].scales;
        for (int half = 0; half < 2; half++, y += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; l++) {
                const int is = l / 16;
                const int q1 = (int)((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = (int)((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = (int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = (int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * sc[is + 0] * q1;
                y[l + 32] = d * sc[is + 2] * q2;
                y[l + 64] = d * sc[is + 4] * q3;
                y[l + 96] = d * sc[is + 6] * q4;
            }
        }
    }
}

/* ---- activation formats --------------------------------------------------- */

static void from_float_f32(const float *x, void *dst, int64_t n) { memcpy(dst, x, (size_t)n * 4); }
static void from_float_f16(const float *x, void *dst, int64_t n) {
    uint16_t *d = dst; for (int64_t i = 0; i < n; i++) d[i] = ts_f32_to_f16(x[i]);
}
static void from_float_bf16(const float *x, void *dst, int64_t n) {
    uint16_t *d = dst; for (int64_t i = 0; i < n; i++) d[i] = ts_f32_to_bf16(x[i]);
}

/* Q8_0: scale = max|x| / 127, values rounded to nearest (ties to even). */
static void from_float_q8_0(const float *x, void *dst, int64_t n) {
    block_q8_0 *b = dst;
    for (int64_t i = 0; i < n / QK8_0; i++, x += QK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_0; j++) amax = fmaxf(amax, fabsf(x[j]));
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        b[i].d = ts_f32_to_f16(d);
        for (int j = 0; j < QK8_0; j++) b[i].qs[j] = (int8_t)rintf(x[j] * id);
    }
}

/* Q8_K: scale from the element of largest magnitude (keeping its sign), plus sums of 16. */
static void from_float_q8_K(const float *x, void *dst, int64_t n) {
    block_q8_K *b = dst;
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        float max = 0.0f, amax = 0.0f;
        for (int j = 0; j < QK_K; j++) {
            const float ax = fabsf(x[j]);
            if (ax > amax) { amax = ax; max = x[j]; }
        }
        if (amax == 0.0f) { memset(&b[i], 0, sizeof b[i]); continue; }
        const float iscale = -127.0f / max;
        for (int j = 0; j < QK_K; j++) {
            int v = (int)rintf(iscale * x[j]);
            b[i].qs[j] = (int8_t)(v > 127 ? 127 : v);
        }
        for (int g = 0; g < QK_K / 16; g++) {
            int s = 0;
            for (int l = 0; l < 16; l++) s += b[i].qs[g * 16 + l];
            b[i].bsums[g] = (int16_t)s;
        }
        b[i].d = 1.0f / iscale;
    }
}

/* ---- portable dot products ------------------------------------------------ */

static float dot_f32_ref(const void *w, const void *x, int64_t n) {
    const float *a = w, *b = x; float s = 0; for (int64_t i = 0; i < n; i++) s += a[i] * b[i]; return s;
}
static float dot_f16_ref(const void *w, const void *x, int64_t n) {
    const uint16_t *a = w, *b = x; float s = 0;
    for (int64_t i = 0; i < n; i++) s += ts_f16_to_f32(a[i]) * ts_f16_to_f32(b[i]);
    return s;
}
static float dot_bf16_ref(const void *w, const void *x, int64_t n) {
    const uint16_t *a = w, *b = x; float s = 0;
    for (int64_t i = 0; i < n; i++) s += ts_bf16_to_f32(a[i]) * ts_bf16_to_f32(b[i]);
    return s;
}
static float dot_q4_0_ref(const void *w, const void *x, int64_t n) {
    const block_q4_0 *a = w; const block_q8_0 *b = x; float s = 0;
    for (int64_t i = 0; i < n / QK8_0; i++) {
        int si = 0;
        for (int j = 0; j < 16; j++)
            si += ((a[i].qs[j] & 0x0F) - 8) * b[i].qs[j] + ((a[i].qs[j] >> 4) - 8) * b[i].qs[j + 16];
        s += si * (ts_f16_to_f32(a[i].d) * ts_f16_to_f32(b[i].d));
    }
    return s;
}
static float dot_q5_0_ref(const void *w, const void *x, int64_t n) {
    const block_q5_0 *a = w; const block_q8_0 *b = x; float s = 0;
    for (int64_t i = 0; i < n / QK8_0; i++) {
        uint32_t qh; memcpy(&qh, a[i].qh, 4);
        int si = 0;
        for (int j = 0; j < 16; j++) {
            const int hi0 = ((qh >> j) << 4) & 0x10, hi1 = (qh >> (j + 12)) & 0x10;
            si += (((a[i].qs[j] & 0x0F) | hi0) - 16) * b[i].qs[j] + (((a[i].qs[j] >> 4) | hi1) - 16) * b[i].qs[j + 16];
        }
        s += si * (ts_f16_to_f32(a[i].d) * ts_f16_to_f32(b[i].d));
    }
    return s;
}
static float dot_q8_0_ref(const void *w, const void *x, int64_t n) {
    const block_q8_0 *a = w; const block_q8_0 *b = x; float s = 0;
    for (int64_t i = 0; i < n / QK8_0; i++) {
        int si = 0;
        for (int j = 0; j < QK8_0; j++) si += a[i].qs[j] * b[i].qs[j];
        s += si * (ts_f16_to_f32(a[i].d) * ts_f16_to_f32(b[i].d));
    }
    return s;
}
static float dot_q4_K_ref(const void *w, const void *x, int64_t n) {
    const block_q4_K *a = w; const block_q8_K *b = x; float s = 0;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const uint8_t *q = a[i].qs; const int8_t *y = b[i].qs;
        int sumi = 0, summ = 0;
        for (int j = 0; j < 4; j++, q += 32, y += 64) {
            uint8_t sc1, m1, sc2, m2;
            q4k_scale_min(2 * j, a[i].scales, &sc1, &m1);
            q4k_scale_min(2 * j + 1, a[i].scales, &sc2, &m2);
            int s1 = 0, s2 = 0;
            for (int l = 0; l < 32; l++) { s1 += (q[l] & 0x0F) * y[l]; s2 += (q[l] >> 4) * y[l + 32]; }
            sumi += sc1 * s1 + sc2 * s2;
            summ += m1 * (b[i].bsums[4 * j] + b[i].bsums[4 * j + 1]) + m2 * (b[i].bsums[4 * j + 2] + b[i].bsums[4 * j + 3]);
        }
        s += ts_f16_to_f32(a[i].d) * b[i].d * sumi - ts_f16_to_f32(a[i].dmin) * b[i].d * summ;
    }
    return s;
}
static float dot_q6_K_ref(const void *w, const void *x, int64_t n) {
    const block_q6_K *a = w; const block_q8_K *b = x; float s = 0;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const uint8_t *ql = a[i].ql, *qh = a[i].qh; const int8_t *sc = a[i].scales, *y = b[i].qs;
        int sumi = 0;
        for (int half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8, y += 128) {
            int g[8] = {0};
            for (int l = 0; l < 32; l++) {
                const int is = l / 16;
                g[is + 0] += ((int)((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32) * y[l];
                g[is + 2] += ((int)((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32) * y[l + 32];
                g[is + 4] += ((int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32) * y[l + 64];
                g[is + 6] += ((int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32) * y[l + 96];
            }
            for (int k = 0; k < 8; k++) sumi += sc[k] * g[k];
        }
        s += ts_f16_to_f32(a[i].d) * b[i].d * sumi;
    }
    return s;
}

/* ---- AVX2 dot products ----------------------------------------------------- */
#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define TS_HAVE_AVX2 1

static inline float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
static inline int hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}
/* unsigned u (0..127) × signed s, summed in groups of four into int32 lanes */
static inline __m256i dot_u8_i8(__m256i u, __m256i s) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
#elif defined(__AVXVNNI__)
    return _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
#endif
}
static inline __m256i dot_i8_i8(__m256i a, __m256i b) {
    return dot_u8_i8(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
}
/* byte j of the result is 0xFF when bit j of the 32-bit word at p is set */
static inline __m256i bits_to_bytes(const uint8_t *p) {
    uint32_t v; memcpy(&v, p, 4);
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303LL, 0x0202020202020202LL,
                                           0x0101010101010101LL, 0x0000000000000000LL);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)v), shuf);
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7FBFDFEFF7FBFDFELL));
    return _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
}
/* 16 bytes of nibbles → 32 bytes: low nibbles first, then high nibbles */
static inline __m256i nibbles(const uint8_t *p) {
    const __m128i b = _mm_loadu_si128((const __m128i *)p);
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(b, 4), b);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

static float dot_f32_avx2(const void *w, const void *x, int64_t n) {
    const float *a = w, *b = x; __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    float s = hsum_ps(_mm256_add_ps(acc0, acc1));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}
static float dot_f16_avx2(const void *w, const void *x, int64_t n) {
    const uint16_t *a = w, *b = x; __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i))),
                              _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(b + i))), acc);
    float s = hsum_ps(acc);
    for (; i < n; i++) s += ts_f16_to_f32(a[i]) * ts_f16_to_f32(b[i]);
    return s;
}
static inline __m256 bf16x8(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}
static float dot_bf16_avx2(const void *w, const void *x, int64_t n) {
    const uint16_t *a = w, *b = x; __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(bf16x8(a + i), bf16x8(b + i), acc);
    float s = hsum_ps(acc);
    for (; i < n; i++) s += ts_bf16_to_f32(a[i]) * ts_bf16_to_f32(b[i]);
    return s;
}
static float dot_q4_0_avx2(const void *w, const void *x, int64_t n) {
    const block_q4_0 *a = w; const block_q8_0 *b = x; __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK8_0; i++) {
        const __m256i qa = _mm256_sub_epi8(nibbles(a[i].qs), _mm256_set1_epi8(8));
        const __m256i qb = _mm256_loadu_si256((const __m256i *)b[i].qs);
        const __m256 d = _mm256_set1_ps(ts_f16_to_f32(a[i].d) * ts_f16_to_f32(b[i].d));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_i8_i8(qa, qb)), acc);
    }
    return hsum_ps(acc);
}
static float dot_q5_0_avx2(const void *w, const void *x, int64_t n) {
    const block_q5_0 *a = w; const block_q8_0 *b = x; __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK8_0; i++) {
        /* nibble | 0xF0 where the fifth bit is clear gives nibble − 16 as a signed byte */
        const __m256i hi = _mm256_andnot_si256(bits_to_bytes(a[i].qh), _mm256_set1_epi8((char)0xF0));
        const __m256i qa = _mm256_or_si256(nibbles(a[i].qs), hi);
        const __m256i qb = _mm256_loadu_si256((const __m256i *)b[i].qs);
        const __m256 d = _mm256_set1_ps(ts_f16_to_f32(a[i].d) * ts_f16_to_f32(b[i].d));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_i8_i8(qa, qb)), acc);
    }
    return hsum_ps(acc);
}
static float dot_q8_0_avx2(const void *w, const void *x, int64_t n) {
    const block_q8_0 *a = w; const block_q8_0 *b = x; __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK8_0; i++) {
        const __m256i qa = _mm256_loadu_si256((const __m256i *)a[i].qs);
        const __m256i qb = _mm256_loadu_si256((const __m256i *)b[i].qs);
        const __m256 d = _mm256_set1_ps(ts_f16_to_f32(a[i].d) * ts_f16_to_f32(b[i].d));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(dot_i8_i8(qa, qb)), acc);
    }
    return hsum_ps(acc);
}
static float dot_q4_K_avx2(const void *w, const void *x, int64_t n) {
    const block_q4_K *a = w; const block_q8_K *b = x; float s = 0;
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int64_t i = 0; i < n / QK_K; i++) {
        uint8_t sc[8], mn[8];
        for (int j = 0; j < 8; j++) q4k_scale_min(j, a[i].scales, &sc[j], &mn[j]);
        int summ = 0;
        for (int j = 0; j < 8; j++) summ += mn[j] * (b[i].bsums[2 * j] + b[i].bsums[2 * j + 1]);
        __m256i acc = _mm256_setzero_si256();
        const uint8_t *q = a[i].qs; const int8_t *y = b[i].qs;
        for (int j = 0; j < 4; j++, q += 32, y += 64) {
            const __m256i q4 = _mm256_loadu_si256((const __m256i *)q);
            const __m256i lo = _mm256_and_si256(q4, m4);
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q4, 4), m4);
            const __m256i p0 = dot_u8_i8(lo, _mm256_loadu_si256((const __m256i *)y));
            const __m256i p1 = dot_u8_i8(hi, _mm256_loadu_si256((const __m256i *)(y + 32)));
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(p0, _mm256_set1_epi32(sc[2 * j])));
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(p1, _mm256_set1_epi32(sc[2 * j + 1])));
        }
        const int sumi = hsum_epi32(acc);
        s += ts_f16_to_f32(a[i].d) * b[i].d * sumi - ts_f16_to_f32(a[i].dmin) * b[i].d * summ;
    }
    return s;
}
static float dot_q6_K_avx2(const void *w, const void *x, int64_t n) {
    const block_q6_K *a = w; const block_q8_K *b = x; float s = 0;
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
    for (int64_t i = 0; i < n / QK_K; i++) {
        const uint8_t *ql = a[i].ql, *qh = a[i].qh; const int8_t *sc = a[i].scales, *y = b[i].qs;
        __m256i acc = _mm256_setzero_si256();
        int offset = 0;
        for (int g = 0; g < 16; g++) offset += sc[g] * b[i].bsums[g];
        for (int half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8, y += 128) {
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            const __m256i h = _mm256_loadu_si256((const __m256i *)qh);
            const __m256i q1 = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(h, m3), 4));
            const __m256i q2 = _mm256_or_si256(_mm256_and_si256(l1, m4),
                                               _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m3), 4));
            const __m256i q3 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                               _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m3), 4));
            const __m256i q4 = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                               _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m3), 4));
            const __m256i qs[4] = {q1, q2, q3, q4};
            for (int k = 0; k < 4; k++) {
                const __m256i p = dot_u8_i8(qs[k], _mm256_loadu_si256((const __m256i *)(y + 32 * k)));
                /* lanes 0-3 hold elements 0-15 (scale 2k), lanes 4-7 elements 16-31 (scale 2k+1) */
                const __m256i scale = _mm256_set_m128i(_mm_set1_epi32(sc[2 * k + 1]), _mm_set1_epi32(sc[2 * k]));
                acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(p, scale));
            }
        }
        s += ts_f16_to_f32(a[i].d) * b[i].d * (hsum_epi32(acc) - 32 * offset);
    }
    return s;
}

/* ---- AVX2 four-activation variants: one weight row against four activation rows, so the
 *      weight blocks are unpacked once per four tokens (batched prefill). ---------------- */

static void dot4_q8_0_avx2(const void *w, const void *x, size_t xs, int64_t n, float *out) {
    const block_q8_0 *a = w;
    const block_q8_0 *b[4] = {x, (const void *)((const uint8_t *)x + xs), (const void *)((const uint8_t *)x + 2 * xs),
                              (const void *)((const uint8_t *)x + 3 * xs)};
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t i = 0; i < n / QK8_0; i++) {
        const __m256i qa = _mm256_loadu_si256((const __m256i *)a[i].qs);
        const __m256i ax = _mm256_sign_epi8(qa, qa);
        const float da = ts_f16_to_f32(a[i].d);
        for (int t = 0; t < 4; t++) {
            const __m256i sy = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)b[t][i].qs), qa);
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(da * ts_f16_to_f32(b[t][i].d)), _mm256_cvtepi32_ps(dot_u8_i8(ax, sy)), acc[t]);
        }
    }
    for (int t = 0; t < 4; t++) out[t] = hsum_ps(acc[t]);
}
static void dot4_q5_0_avx2(const void *w, const void *x, size_t xs, int64_t n, float *out) {
    const block_q5_0 *a = w;
    const block_q8_0 *b[4] = {x, (const void *)((const uint8_t *)x + xs), (const void *)((const uint8_t *)x + 2 * xs),
                              (const void *)((const uint8_t *)x + 3 * xs)};
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t i = 0; i < n / QK8_0; i++) {
        const __m256i hi = _mm256_andnot_si256(bits_to_bytes(a[i].qh), _mm256_set1_epi8((char)0xF0));
        const __m256i qa = _mm256_or_si256(nibbles(a[i].qs), hi);
        const __m256i ax = _mm256_sign_epi8(qa, qa);
        const float da = ts_f16_to_f32(a[i].d);
        for (int t = 0; t < 4; t++) {
            const __m256i sy = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)b[t][i].qs), qa);
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(da * ts_f16_to_f32(b[t][i].d)), _mm256_cvtepi32_ps(dot_u8_i8(ax, sy)), acc[t]);
        }
    }
    for (int t = 0; t < 4; t++) out[t] = hsum_ps(acc[t]);
}
static void dot4_q4_0_avx2(const void *w, const void *x, size_t xs, int64_t n, float *out) {
    const block_q4_0 *a = w;
    const block_q8_0 *b[4] = {x, (const void *)((const uint8_t *)x + xs), (const void *)((const uint8_t *)x + 2 * xs),
                              (const void *)((const uint8_t *)x + 3 * xs)};
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t i = 0; i < n / QK8_0; i++) {
        const __m256i qa = _mm256_sub_epi8(nibbles(a[i].qs), _mm256_set1_epi8(8));
        const __m256i ax = _mm256_sign_epi8(qa, qa);
        const float da = ts_f16_to_f32(a[i].d);
        for (int t = 0; t < 4; t++) {
            const __m256i sy = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)b[t][i].qs), qa);
            acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(da * ts_f16_to_f32(b[t][i].d)), _mm256_cvtepi32_ps(dot_u8_i8(ax, sy)), acc[t]);
        }
    }
    for (int t = 0; t < 4; t++) out[t] = hsum_ps(acc[t]);
}
static void dot4_q4_K_avx2(const void *w, const void *x, size_t xs, int64_t n, float *out) {
    const block_q4_K *a = w;
    const block_q8_K *b[4] = {x, (const void *)((const uint8_t *)x + xs), (const void *)((const uint8_t *)x + 2 * xs),
                              (const void *)((const uint8_t *)x + 3 * xs)};
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    float s[4] = {0, 0, 0, 0};
    for (int64_t i = 0; i < n / QK_K; i++) {
        uint8_t sc[8], mn[8];
        for (int j = 0; j < 8; j++) q4k_scale_min(j, a[i].scales, &sc[j], &mn[j]);
        __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
        const uint8_t *q = a[i].qs;
        for (int j = 0; j < 4; j++, q += 32) {
            const __m256i q4 = _mm256_loadu_si256((const __m256i *)q);
            const __m256i lo = _mm256_and_si256(q4, m4);
            const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q4, 4), m4);
            const __m256i s0 = _mm256_set1_epi32(sc[2 * j]), s1 = _mm256_set1_epi32(sc[2 * j + 1]);
            for (int t = 0; t < 4; t++) {
                const int8_t *y = b[t][i].qs + 64 * j;
                const __m256i p0 = dot_u8_i8(lo, _mm256_loadu_si256((const __m256i *)y));
                const __m256i p1 = dot_u8_i8(hi, _mm256_loadu_si256((const __m256i *)(y + 32)));
                acc[t] = _mm256_add_epi32(acc[t], _mm256_add_epi32(_mm256_mullo_epi32(p0, s0), _mm256_mullo_epi32(p1, s1)));
            }
        }
        const float d = ts_f16_to_f32(a[i].d), dmin = ts_f16_to_f32(a[i].dmin);
        for (int t = 0; t < 4; t++) {
            int summ = 0;
            for (int j = 0; j < 8; j++) summ += mn[j] * (b[t][i].bsums[2 * j] + b[t][i].bsums[2 * j + 1]);
            s[t] += d * b[t][i].d * hsum_epi32(acc[t]) - dmin * b[t][i].d * summ;
        }
    }
    for (int t = 0; t < 4; t++) out[t] = s[t];
}
static void dot4_q6_K_avx2(const void *w, const void *x, size_t xs, int64_t n, float *out) {
    const block_q6_K *a = w;
    const block_q8_K *b[4] = {x, (const void *)((const uint8_t *)x + xs), (const void *)((const uint8_t *)x + 2 * xs),
                              (const void *)((const uint8_t *)x + 3 * xs)};
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
    float s[4] = {0, 0, 0, 0};
    for (int64_t i = 0; i < n / QK_K; i++) {
        const uint8_t *ql = a[i].ql, *qh = a[i].qh; const int8_t *sc = a[i].scales;
        __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
        for (int half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8) {
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql);
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            const __m256i h = _mm256_loadu_si256((const __m256i *)qh);
            const __m256i qs[4] = {
                _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(h, m3), 4)),
                _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m3), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m3), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m3), 4)),
            };
            for (int k = 0; k < 4; k++) {
                const __m256i scale = _mm256_set_m128i(_mm_set1_epi32(sc[2 * k + 1]), _mm_set1_epi32(sc[2 * k]));
                for (int t = 0; t < 4; t++) {
                    const __m256i p = dot_u8_i8(qs[k], _mm256_loadu_si256((const __m256i *)(b[t][i].qs + 128 * half + 32 * k)));
                    acc[t] = _mm256_add_epi32(acc[t], _mm256_mullo_epi32(p, scale));
                }
            }
        }
        const float d = ts_f16_to_f32(a[i].d);
        for (int t = 0; t < 4; t++) {
            int offset = 0;
            for (int g = 0; g < 16; g++) offset += a[i].scales[g] * b[t][i].bsums[g];
            s[t] += d * b[t][i].d * (hsum_epi32(acc[t]) - 32 * offset);
        }
    }
    for (int t = 0; t < 4; t++) out[t] = s[t];
}

#endif

/* ---- the table ------------------------------------------------------------- */

static int force_portable = 0;

int ts_cpu_force_portable(int on) { int old = force_portable; force_portable = on; return old; }

static int cpu_has_avx2(void) {
#if defined(TS_HAVE_AVX2)
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }
    return cached;
#else
    return 0;
#endif
}

static int cpu_has_avx512vnni(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = ts_avx512_compiled() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                 __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("f16c");
    }
    return cached;
}

int ts_cpu_use_avx512(uint32_t type) {
    return !force_portable && cpu_has_avx512vnni() && ts_avx512_supports(type);
}

const char *ts_cpu_simd_name(void) {
    if (force_portable || !cpu_has_avx2()) return "portable";
    if (cpu_has_avx512vnni()) return "avx512vnni";
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
    return "avx2+avx512vnni";
#else
    return "avx2";
#endif
}

#define ROW(type, bs, bb, tf, vdt, dot) [type] = {1, bs, bb, tf, vdt, dot, NULL}
#define ROW4(type, bs, bb, tf, vdt, dot, dot4) [type] = {1, bs, bb, tf, vdt, dot, dot4}
static const ts_type_traits portable_traits[31] = {
    ROW(TS_TYPE_F32, 1, 4, to_float_f32, TS_TYPE_F32, dot_f32_ref),
    ROW(TS_TYPE_F16, 1, 2, to_float_f16, TS_TYPE_F16, dot_f16_ref),
    ROW(TS_TYPE_BF16, 1, 2, to_float_bf16, TS_TYPE_BF16, dot_bf16_ref),
    ROW(TS_TYPE_Q4_0, 32, 18, to_float_q4_0, TS_TYPE_Q8_0, dot_q4_0_ref),
    ROW(TS_TYPE_Q5_0, 32, 22, to_float_q5_0, TS_TYPE_Q8_0, dot_q5_0_ref),
    ROW(TS_TYPE_Q8_0, 32, 34, to_float_q8_0, TS_TYPE_Q8_0, dot_q8_0_ref),
    ROW(TS_TYPE_Q4_K, 256, 144, to_float_q4_K, TS_TYPE_Q8_K, dot_q4_K_ref),
    ROW(TS_TYPE_Q6_K, 256, 210, to_float_q6_K, TS_TYPE_Q8_K, dot_q6_K_ref),
};
#if defined(TS_HAVE_AVX2)
static const ts_type_traits avx2_traits[31] = {
    ROW(TS_TYPE_F32, 1, 4, to_float_f32, TS_TYPE_F32, dot_f32_avx2),
    ROW(TS_TYPE_F16, 1, 2, to_float_f16, TS_TYPE_F16, dot_f16_avx2),
    ROW(TS_TYPE_BF16, 1, 2, to_float_bf16, TS_TYPE_BF16, dot_bf16_avx2),
    ROW4(TS_TYPE_Q4_0, 32, 18, to_float_q4_0, TS_TYPE_Q8_0, dot_q4_0_avx2, dot4_q4_0_avx2),
    ROW4(TS_TYPE_Q5_0, 32, 22, to_float_q5_0, TS_TYPE_Q8_0, dot_q5_0_avx2, dot4_q5_0_avx2),
    ROW4(TS_TYPE_Q8_0, 32, 34, to_float_q8_0, TS_TYPE_Q8_0, dot_q8_0_avx2, dot4_q8_0_avx2),
    ROW4(TS_TYPE_Q4_K, 256, 144, to_float_q4_K, TS_TYPE_Q8_K, dot_q4_K_avx2, dot4_q4_K_avx2),
    ROW4(TS_TYPE_Q6_K, 256, 210, to_float_q6_K, TS_TYPE_Q8_K, dot_q6_K_avx2, dot4_q6_K_avx2),
};
#endif

const ts_type_traits *ts_cpu_traits(uint32_t type) {
    if (type > 30) return NULL;
#if defined(TS_HAVE_AVX2)
    if (!force_portable && cpu_has_avx2()) return avx2_traits[type].supported ? &avx2_traits[type] : NULL;
#endif
    return portable_traits[type].supported ? &portable_traits[type] : NULL;
}

size_t ts_cpu_row_bytes(uint32_t type, int64_t cols) {
    switch (type) {
    case TS_TYPE_F32: return (size_t)cols * 4;
    case TS_TYPE_F16: case TS_TYPE_BF16: return (size_t)cols * 2;
    case TS_TYPE_Q8_0: return (size_t)(cols / QK8_0) * sizeof(block_q8_0);
    case TS_TYPE_Q8_K: return (size_t)(cols / QK_K) * sizeof(block_q8_K);
    default: return 0;
    }
}

void ts_cpu_from_float(uint32_t vec_dot_type, const float *x, void *dst, int64_t cols) {
    switch (vec_dot_type) {
    case TS_TYPE_F32: from_float_f32(x, dst, cols); break;
    case TS_TYPE_F16: from_float_f16(x, dst, cols); break;
    case TS_TYPE_BF16: from_float_bf16(x, dst, cols); break;
    case TS_TYPE_Q8_0: from_float_q8_0(x, dst, cols); break;
    case TS_TYPE_Q8_K: from_float_q8_K(x, dst, cols); break;
    default: break;
    }
}
