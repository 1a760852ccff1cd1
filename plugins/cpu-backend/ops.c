/* Element-wise and row-wise kernels: norms, RoPE, softmax, activations, attention. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "cpu_internal.h"
#include "cpu_ops.h"

void ts_op_rms_norm(float *x, const float *weight, int64_t n, int64_t dim, float eps) {
    for (int64_t r = 0; r < n; r++) {
        float *row = x + r * dim;
        double sum = 0.0;
        for (int64_t i = 0; i < dim; i++) sum += (double)(row[i] * row[i]);
        const float scale = 1.0f / sqrtf((float)(sum / (double)dim) + eps);
        if (weight) for (int64_t i = 0; i < dim; i++) row[i] = (row[i] * scale) * weight[i];
        else for (int64_t i = 0; i < dim; i++) row[i] *= scale;
    }
}

void ts_op_rope(float *x, const int32_t *positions, int64_t n, int64_t heads, int64_t head_dim,
                int64_t rot_dim, float freq_base, float freq_scale, int32_t neox) {
    if (rot_dim > head_dim) rot_dim = head_dim;
    const int64_t half = rot_dim / 2;
    float *cs = malloc((size_t)half * 2 * sizeof(float));
    if (!cs) return;
    const float theta_scale = powf(freq_base, -2.0f / (float)rot_dim);
    for (int64_t t = 0; t < n; t++) {
        float theta = (float)positions[t];
        for (int64_t i = 0; i < half; i++) {
            const float th = freq_scale * theta;
            cs[2 * i] = cosf(th);
            cs[2 * i + 1] = sinf(th);
            theta *= theta_scale;
        }
        for (int64_t h = 0; h < heads; h++) {
            float *v = x + (t * heads + h) * head_dim;
            for (int64_t i = 0; i < half; i++) {
                const float c = cs[2 * i], s = cs[2 * i + 1];
                if (neox) {
                    const float x0 = v[i], x1 = v[i + half];
                    v[i] = x0 * c - x1 * s;
                    v[i + half] = x0 * s + x1 * c;
                } else {
                    const float x0 = v[2 * i], x1 = v[2 * i + 1];
                    v[2 * i] = x0 * c - x1 * s;
                    v[2 * i + 1] = x0 * s + x1 * c;
                }
            }
        }
    }
    free(cs);
}

#if defined(__AVX512F__)
/* e^x for 16 lanes: 2^n · p(r) with r = x − n·ln2 in [−ln2/2, ln2/2] and p the degree-6 Taylor
 * polynomial (relative error about 1e-7, within an ulp or two of expf); scalef makes huge
 * negative inputs 0 and huge positive ones inf. */
static inline __m512 v_expf(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(89.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187045e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 720.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}
#endif

static void softmax_row(float *row, int64_t dim) {
    float max = -INFINITY;
    for (int64_t i = 0; i < dim; i++) max = fmaxf(max, row[i]);
    double sum = 0.0;
    int64_t i = 0;
#if defined(__AVX512F__)
    {
        const __m512 vmax = _mm512_set1_ps(max);
        __m512 acc = _mm512_setzero_ps();
        for (; i + 16 <= dim; i += 16) {
            const __m512 e = v_expf(_mm512_sub_ps(_mm512_loadu_ps(row + i), vmax));
            _mm512_storeu_ps(row + i, e);
            acc = _mm512_add_ps(acc, e);
        }
        sum = (double)_mm512_reduce_add_ps(acc);
    }
#endif
    for (; i < dim; i++) { const float e = expf(row[i] - max); row[i] = e; sum += e; }
    const float inv = sum > 0.0 ? (float)(1.0 / sum) : 0.0f;
    for (int64_t j = 0; j < dim; j++) row[j] *= inv;
}

void ts_op_softmax(float *x, int64_t n, int64_t dim) {
    for (int64_t r = 0; r < n; r++) softmax_row(x + r * dim, dim);
}

void ts_op_silu_mul(float *x, const float *g, int64_t count) {
    int64_t i = 0;
#if defined(__AVX512F__)
    for (; i + 16 <= count; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        const __m512 e = v_expf(_mm512_sub_ps(_mm512_setzero_ps(), v));
        const __m512 silu = _mm512_div_ps(v, _mm512_add_ps(_mm512_set1_ps(1.0f), e));
        _mm512_storeu_ps(x + i, _mm512_mul_ps(silu, _mm512_loadu_ps(g + i)));
    }
#endif
    for (; i < count; i++) x[i] = x[i] / (1.0f + expf(-x[i])) * g[i];
}

/* GELU with the tanh approximation, evaluated at half precision as ggml's table does: a table
 * over every f16 input, filled once. */
static inline float gelu_tanh(float x) {
    return 0.5f * x * (1.0f + tanhf(0.7978845608028654f * x * (1.0f + 0.044715f * x * x)));
}
static uint16_t gelu_table[65536];
static pthread_once_t gelu_once = PTHREAD_ONCE_INIT;
static void gelu_fill(void) {
    for (uint32_t h = 0; h < 65536; h++) gelu_table[h] = ts_f32_to_f16(gelu_tanh(ts_f16_to_f32((uint16_t)h)));
}
void ts_op_gelu_mul(float *x, const float *g, int64_t count) {
    pthread_once(&gelu_once, gelu_fill);
    for (int64_t i = 0; i < count; i++) {
        const float v = x[i];
        float r;
        if (v <= -10.0f) r = 0.0f;
        else if (v >= 10.0f) r = v;
        else r = ts_f16_to_f32(gelu_table[ts_f32_to_f16(v)]);
        x[i] = r * g[i];
    }
}

void ts_op_add(float *y, const float *x, int64_t count) {
    for (int64_t i = 0; i < count; i++) y[i] += x[i];
}
void ts_op_add_rows(float *y, const float *bias, int64_t n, int64_t dim) {
    for (int64_t r = 0; r < n; r++) for (int64_t i = 0; i < dim; i++) y[r * dim + i] += bias[i];
}
void ts_op_scale(float *x, float s, int64_t count) {
    for (int64_t i = 0; i < count; i++) x[i] *= s;
}
void ts_op_kv_store(const float *src, int64_t n, int64_t kv_heads, int64_t head_dim, uint16_t *cache,
                    size_t kv_stride, int64_t pos0) {
    for (int64_t t = 0; t < n; t++)
        for (int64_t h = 0; h < kv_heads; h++) {
            const float *s = src + (t * kv_heads + h) * head_dim;
            uint16_t *d = cache + (size_t)h * kv_stride + (size_t)(pos0 + t) * (size_t)head_dim;
            for (int64_t i = 0; i < head_dim; i++) d[i] = ts_f32_to_f16(s[i]);
        }
}

/* ---- attention ---------------------------------------------------------------- */

typedef struct {
    const float *q; const uint16_t *k, *v; size_t kv_stride;
    int64_t n, pos0, kv_len, heads, kv_heads, head_dim, window;
    float scale; float *out; float *scratch; int64_t scratch_per_thread;
    _Atomic int64_t next;
} attn_task;

static inline float dot_f16_f32(const uint16_t *k, const float *q, int64_t n) {
#if defined(__AVX2__) && defined(__F16C__) && defined(__FMA__)
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i))), _mm256_loadu_ps(q + i), acc);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float r = _mm_cvtss_f32(s);
    for (; i < n; i++) r += ts_f16_to_f32(k[i]) * q[i];
    return r;
#else
    float r = 0; for (int64_t i = 0; i < n; i++) r += ts_f16_to_f32(k[i]) * q[i]; return r;
#endif
}
static inline void axpy_f16(float *y, float a, const uint16_t *v, int64_t n) {
#if defined(__AVX2__) && defined(__F16C__) && defined(__FMA__)
    const __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + i))),
                                                _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * ts_f16_to_f32(v[i]);
#else
    for (int64_t i = 0; i < n; i++) y[i] += a * ts_f16_to_f32(v[i]);
#endif
}

#if defined(__AVX512F__) && defined(__F16C__)
/* Scores and the weighted value sum with the query (and the output row) held in NC registers of
 * 16 floats: one pass over the keys, each key row converted from f16 once per query. */
static inline __attribute__((always_inline)) void attend_regs(const float *qh16, const uint16_t *kb, const uint16_t *vb,
                                                              int64_t first, int64_t len, int64_t head_dim, float scale,
                                                              float *scores, float *o, const int NC) {
    __m512 q[16], acc[16];
    for (int c = 0; c < NC; c++) q[c] = _mm512_loadu_ps(qh16 + 16 * c);
    for (int64_t j = 0; j < len; j++) {
        const uint16_t *k = kb + (size_t)(first + j) * (size_t)head_dim;
        /* one 16-lane accumulator over the row, then a lane sum: the order of llama.cpp's
         * tinyBLAS f16 product, which its batched attention uses */
        __m512 s0 = _mm512_setzero_ps();
        for (int c = 0; c < NC; c++)
            s0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(k + 16 * c))), q[c], s0);
        scores[j] = _mm512_reduce_add_ps(s0) * scale;
    }
    softmax_row(scores, len);
    for (int c = 0; c < NC; c++) acc[c] = _mm512_setzero_ps();
    for (int64_t j = 0; j < len; j++) {
        const float pj = ts_f16_to_f32(ts_f32_to_f16(scores[j]));
        if (pj == 0.0f) continue;
        const __m512 pv = _mm512_set1_ps(pj);
        const uint16_t *v = vb + (size_t)(first + j) * (size_t)head_dim;
        for (int c = 0; c < NC; c++)
            acc[c] = _mm512_fmadd_ps(pv, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v + 16 * c))), acc[c]);
    }
    for (int c = 0; c < NC; c++) _mm512_storeu_ps(o + 16 * c, acc[c]);
}
#endif

static void attn_worker(void *p, int ith, int nth) {
    (void)nth;
    attn_task *t = p;
    float *scores = t->scratch + (size_t)ith * (size_t)t->scratch_per_thread;
    float *qh16 = scores + t->kv_len;
    const int64_t group = t->heads / t->kv_heads;
    for (;;) {
        const int64_t item = atomic_fetch_add(&t->next, 1);
        if (item >= t->n * t->heads) break;
        const int64_t row = item / t->heads, h = item % t->heads, kvh = h / group;
        const int64_t pos = t->pos0 + row;
        int64_t last = pos < t->kv_len - 1 ? pos : t->kv_len - 1;
        int64_t first = t->window > 0 ? pos - t->window + 1 : 0;
        if (first < 0) first = 0;
        float *o = t->out + (row * t->heads + h) * t->head_dim;
        memset(o, 0, (size_t)t->head_dim * sizeof(float));
        if (last < first) continue;
        /* the query is rounded to half precision, as the f16 cache product does in llama.cpp */
        const float *qs = t->q + (row * t->heads + h) * t->head_dim;
        for (int64_t i = 0; i < t->head_dim; i++) qh16[i] = ts_f16_to_f32(ts_f32_to_f16(qs[i]));
        const uint16_t *kb = t->k + (size_t)kvh * t->kv_stride;
        const uint16_t *vb = t->v + (size_t)kvh * t->kv_stride;
        const int64_t len = last - first + 1;
#if defined(__AVX512F__) && defined(__F16C__)
        switch (t->head_dim) {
        case 64: attend_regs(qh16, kb, vb, first, len, 64, t->scale, scores, o, 4); continue;
        case 128: attend_regs(qh16, kb, vb, first, len, 128, t->scale, scores, o, 8); continue;
        case 256: attend_regs(qh16, kb, vb, first, len, 256, t->scale, scores, o, 16); continue;
        default: break;
        }
#endif
        for (int64_t j = 0; j < len; j++)
            scores[j] = dot_f16_f32(kb + (size_t)(first + j) * (size_t)t->head_dim, qh16, t->head_dim) * t->scale;
        softmax_row(scores, len);
        for (int64_t j = 0; j < len; j++) {
            const float pj = ts_f16_to_f32(ts_f32_to_f16(scores[j]));
            if (pj != 0.0f) axpy_f16(o, pj, vb + (size_t)(first + j) * (size_t)t->head_dim, t->head_dim);
        }
    }
}

int32_t ts_op_attention(ts_pool *pool, const float *q, const uint16_t *k_cache, const uint16_t *v_cache,
                        size_t kv_stride, int64_t n, int64_t pos0, int64_t kv_len, int64_t heads,
                        int64_t kv_heads, int64_t head_dim, float scale, int64_t window, float *out) {
    if (n <= 0 || heads <= 0 || kv_heads <= 0 || heads % kv_heads != 0 || head_dim <= 0 || kv_len <= 0)
        return TS_ERR_INVALID_ARGUMENT;
    const int nth = ts_pool_threads(pool);
    attn_task t = {
        .q = q, .k = k_cache, .v = v_cache, .kv_stride = kv_stride, .n = n, .pos0 = pos0, .kv_len = kv_len,
        .heads = heads, .kv_heads = kv_heads, .head_dim = head_dim, .window = window, .scale = scale,
        .out = out, .scratch_per_thread = kv_len + head_dim,
    };
    atomic_init(&t.next, 0);
    t.scratch = malloc((size_t)nth * (size_t)t.scratch_per_thread * sizeof(float));
    if (!t.scratch) return TS_ERR_OUT_OF_MEMORY;
    ts_pool_run_dynamic(pool, attn_worker, &t);
    free(t.scratch);
    return TS_OK;
}
