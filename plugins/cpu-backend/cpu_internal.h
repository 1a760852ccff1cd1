/* CPU backend plugin: private declarations shared by its translation units. */
#ifndef TS_CPU_INTERNAL_H
#define TS_CPU_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "toolshell_plugin.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

/* ---- half precision ---------------------------------------------------- */

static inline float ts_f16_to_f32(uint16_t h) {
#if defined(__F16C__)
    return _cvtsh_ss(h);
#else
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
    if (exp == 0) {
        if (mant == 0) bits = sign;
        else { /* subnormal: normalise */
            int e = -1;
            do { e++; mant <<= 1; } while ((mant & 0x400) == 0);
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((mant & 0x3FF) << 13);
        }
    } else if (exp == 31) bits = sign | 0x7F800000u | (mant << 13);
    else bits = sign | ((exp + 112) << 23) | (mant << 13);
    float f; memcpy(&f, &bits, 4); return f;
#endif
}

static inline uint16_t ts_f32_to_f16(float f) {
#if defined(__F16C__)
    return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
#else
    /* round to nearest even, as the hardware conversion does */
    uint32_t x; memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t absx = x & 0x7FFFFFFFu;
    if (absx >= 0x7F800000u) return (uint16_t)(sign | 0x7C00 | (absx > 0x7F800000u ? 0x200 : 0));
    if (absx >= 0x477FF000u) return (uint16_t)(sign | 0x7C00); /* overflow → inf */
    if (absx < 0x38800000u) { /* subnormal or zero in f16: exact scale, then round to even */
        float a; memcpy(&a, &absx, 4);
        return (uint16_t)(sign | (uint32_t)__builtin_rintf(a * 16777216.0f));
    }
    uint32_t e = (absx >> 23) - 112, mant = absx & 0x7FFFFF;
    uint32_t q = (e << 10) | (mant >> 13);
    uint32_t rem = mant & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (q & 1))) q++;
    return (uint16_t)(sign | q);
#endif
}

static inline float ts_bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16; float f; memcpy(&f, &bits, 4); return f;
}

static inline uint16_t ts_f32_to_bf16(float f) {
    uint32_t x; memcpy(&x, &f, 4);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((x >> 16) | 64); /* quiet NaN */
    return (uint16_t)((x + (0x7FFF + ((x >> 16) & 1))) >> 16);
}

/* ---- block layouts (as in the GGUF format) ------------------------------ */

#define QK4_0 32
#define QK5_0 32
#define QK8_0 32
#define QK_K 256
#define K_SCALE_SIZE 12

typedef struct { uint16_t d; uint8_t qs[QK4_0 / 2]; } block_q4_0;
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[QK5_0 / 2]; } block_q5_0;
typedef struct { uint16_t d; int8_t qs[QK8_0]; } block_q8_0;
typedef struct { uint16_t d; uint16_t dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2]; } block_q4_K;
typedef struct { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; uint16_t d; } block_q6_K;
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; } block_q8_K;

_Static_assert(sizeof(block_q4_0) == 18, "q4_0 size");
_Static_assert(sizeof(block_q5_0) == 22, "q5_0 size");
_Static_assert(sizeof(block_q8_0) == 34, "q8_0 size");
_Static_assert(sizeof(block_q4_K) == 144, "q4_K size");
_Static_assert(sizeof(block_q6_K) == 210, "q6_K size");
_Static_assert(sizeof(block_q8_K) == 292, "q8_K size");

/* ---- per-type kernel table ------------------------------------------------ */

/** Dot product of one weight row (cols elements) with one converted activation row. */
typedef float (*ts_vec_dot_fn)(const void *w, const void *x, int64_t cols);
/** Dot products of one weight row with four activation rows x_stride bytes apart → out[0..3]. */
typedef void (*ts_vec_dot4_fn)(const void *w, const void *x, size_t x_stride, int64_t cols, float *out);
/** Convert one f32 activation row to the format a dot function consumes. */
typedef void (*ts_from_float_fn)(const float *x, void *dst, int64_t cols);
typedef void (*ts_to_float_fn)(const void *src, float *dst, int64_t count);

typedef struct ts_type_traits {
    int32_t supported;
    int64_t block_size;
    size_t block_bytes;
    ts_to_float_fn to_float;
    uint32_t vec_dot_type;       /* the activation format (a ts_tensor_type) */
    ts_vec_dot_fn vec_dot;
    ts_vec_dot4_fn vec_dot4;     /* one weight row against four activation rows, or NULL */
} ts_type_traits;

/** Traits of a weight type (NULL for types outside the table). Selected once per process. */
const ts_type_traits *ts_cpu_traits(uint32_t type);
/** Bytes of one activation row of `cols` elements in `vec_dot_type`. */
size_t ts_cpu_row_bytes(uint32_t type, int64_t cols);
/** Converts f32 to the activation format `vec_dot_type`. */
void ts_cpu_from_float(uint32_t vec_dot_type, const float *x, void *dst, int64_t cols);
/** Name of the instruction-set path in use ("avx512vnni", "avx2", "portable"). */
const char *ts_cpu_simd_name(void);
/** Force the portable path (tests compare paths); returns the previous setting. */
int ts_cpu_force_portable(int on);

/* ---- AVX-512 VNNI matrix products (gemm_avx512.c) ------------------------------ */

/** Whether the AVX-512 VNNI product handles weights of `type` on this CPU (and the path is not forced off). */
int ts_cpu_use_avx512(uint32_t type);
/** Bytes of one activation row in the AVX-512 layout for `vec_dot_type` (Q8_0 or Q8_K); 0 when not compiled in. */
size_t ts_avx512_act_bytes(uint32_t vec_dot_type, int64_t cols);
/** Quantizes one f32 activation row into the AVX-512 layout (same values as ts_cpu_from_float). */
void ts_avx512_act(uint32_t vec_dot_type, const float *x, void *dst, int64_t cols);
/** Whether the kernels exist for `type` in this build. */
int ts_avx512_supports(uint32_t type);
int ts_avx512_compiled(void);
/** y[t * ldy + r] for rows r0..r1 and all n activation rows (xs bytes apart). */
void ts_avx512_gemm(uint32_t type, const void *w, size_t row_stride, int64_t r0, int64_t r1, int64_t cols,
                    const void *xa, size_t xs, int64_t n, float *y, int64_t ldy);

/* ---- thread pool ------------------------------------------------------------ */

typedef struct ts_pool ts_pool;
typedef void (*ts_task_fn)(void *arg, int ith, int nth);
ts_pool *ts_pool_create(int threads);
void ts_pool_destroy(ts_pool *);
int ts_pool_threads(const ts_pool *);
/** Runs fn(arg, i, n) on every thread (the caller is thread 0) and waits for all. */
void ts_pool_run(ts_pool *, ts_task_fn fn, void *arg);
/** Like ts_pool_run for tasks whose work items are claimed from a shared counter, so that any
 *  subset of threads finishes them: workers that have not joined when the caller is done are skipped. */
void ts_pool_run_dynamic(ts_pool *, ts_task_fn fn, void *arg);

/* ---- matmul ------------------------------------------------------------------ */

/** A growable scratch buffer owned by a backend instance. */
typedef struct ts_scratch { void *data; size_t size; } ts_scratch;
void *ts_scratch_get(ts_scratch *s, size_t size);
/** y[n][rows] = W · x[n] with activations converted to the weight type's dot format. */
int32_t ts_cpu_matmul(ts_pool *pool, ts_scratch *scratch, uint32_t type, const void *w, size_t row_stride, int64_t rows,
                      int64_t cols, const float *x, int64_t n, float *y);

#endif
