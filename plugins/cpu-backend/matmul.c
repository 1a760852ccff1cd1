/* Quantized matrix products: activations converted once, rows split dynamically over the pool. */
#include <stdatomic.h>
#include <stdlib.h>
#include "cpu_internal.h"

void *ts_scratch_get(ts_scratch *s, size_t size) {
    if (s->size < size) {
        void *p = realloc(s->data, size);
        if (!p) return NULL;
        s->data = p;
        s->size = size;
    }
    return s->data;
}

/* ---- matmul ------------------------------------------------------------------- */

typedef struct {
    const ts_type_traits *tt;
    const uint8_t *w; size_t row_stride; int64_t rows, cols;
    const float *x; uint8_t *xq; size_t xq_stride; int64_t n;
    float *y; int64_t chunk;
    uint32_t type; int avx512;
    _Atomic int64_t next;
} mm_task;

static void mm_convert(void *p, int ith, int nth) {
    mm_task *t = p;
    if (t->avx512) {
        for (int64_t r = ith; r < t->n; r += nth)
            ts_avx512_act(t->tt->vec_dot_type, t->x + r * t->cols, t->xq + (size_t)r * t->xq_stride, t->cols);
        return;
    }
    for (int64_t r = ith; r < t->n; r += nth)
        ts_cpu_from_float(t->tt->vec_dot_type, t->x + r * t->cols, t->xq + (size_t)r * t->xq_stride, t->cols);
}

#define MM_TOKEN_TILE 32

static void mm_rows_avx512(void *p, int ith, int nth) {
    (void)ith; (void)nth;
    mm_task *t = p;
    for (;;) {
        const int64_t r0 = atomic_fetch_add(&t->next, 1) * t->chunk;
        if (r0 >= t->rows) break;
        const int64_t r1 = r0 + t->chunk < t->rows ? r0 + t->chunk : t->rows;
        ts_avx512_gemm(t->type, t->w, t->row_stride, r0, r1, t->cols, t->xq, t->xq_stride, t->n, t->y, t->rows);
    }
}

static void mm_rows(void *p, int ith, int nth) {
    (void)ith; (void)nth;
    mm_task *t = p;
    const ts_vec_dot_fn dot = t->tt->vec_dot;
    const ts_vec_dot4_fn dot4 = t->tt->vec_dot4;
    for (;;) {
        const int64_t r0 = atomic_fetch_add(&t->next, 1) * t->chunk;
        if (r0 >= t->rows) break;
        const int64_t r1 = r0 + t->chunk < t->rows ? r0 + t->chunk : t->rows;
        for (int64_t k0 = 0; k0 < t->n; k0 += MM_TOKEN_TILE) {
            const int64_t k1 = k0 + MM_TOKEN_TILE < t->n ? k0 + MM_TOKEN_TILE : t->n;
            for (int64_t r = r0; r < r1; r++) {
                const uint8_t *wr = t->w + (size_t)r * t->row_stride;
                int64_t k = k0;
                if (dot4) {
                    float out[4];
                    for (; k + 4 <= k1; k += 4) {
                        dot4(wr, t->xq + (size_t)k * t->xq_stride, t->xq_stride, t->cols, out);
                        for (int j = 0; j < 4; j++) t->y[(k + j) * t->rows + r] = out[j];
                    }
                }
                for (; k < k1; k++)
                    t->y[k * t->rows + r] = dot(wr, t->xq + (size_t)k * t->xq_stride, t->cols);
            }
        }
    }
}

int32_t ts_cpu_matmul(ts_pool *pool, ts_scratch *scratch, uint32_t type, const void *w, size_t row_stride, int64_t rows,
                      int64_t cols, const float *x, int64_t n, float *y) {
    const ts_type_traits *tt = ts_cpu_traits(type);
    if (!pool || !scratch || !tt || !w || !x || !y || rows <= 0 || cols <= 0 || n <= 0) return TS_ERR_INVALID_ARGUMENT;
    if (cols % tt->block_size != 0) return TS_ERR_INVALID_ARGUMENT;
    /* K-quant activations need whole 256-blocks; the weight type already guarantees it */
    const int nth = ts_pool_threads(pool);
    mm_task t = {.tt = tt, .w = w, .row_stride = row_stride, .rows = rows, .cols = cols, .x = x, .n = n, .y = y};
    atomic_init(&t.next, 0);
    t.type = type;
    t.avx512 = ts_cpu_use_avx512(type);
    if (t.avx512) {
        t.xq_stride = ts_avx512_act_bytes(tt->vec_dot_type, cols);
        t.xq = ts_scratch_get(scratch, t.xq_stride * (size_t)n);
        if (!t.xq) return TS_ERR_OUT_OF_MEMORY;
        if (n >= 4 * nth) ts_pool_run(pool, mm_convert, &t);
        else mm_convert(&t, 0, 1);
    } else if (tt->vec_dot_type == TS_TYPE_F32) {
        t.xq = (uint8_t *)x;
        t.xq_stride = (size_t)cols * sizeof(float);
    } else {
        t.xq_stride = ts_cpu_row_bytes(tt->vec_dot_type, cols);
        t.xq = ts_scratch_get(scratch, t.xq_stride * (size_t)n);
        if (!t.xq) return TS_ERR_OUT_OF_MEMORY;
        if (n >= 4 * nth) ts_pool_run(pool, mm_convert, &t);
        else mm_convert(&t, 0, 1);
    }
    int64_t chunk = n == 1 ? rows / ((int64_t)nth * 8) : 16;
    if (chunk < 4) chunk = 4;
    t.chunk = chunk;
    ts_pool_run_dynamic(pool, t.avx512 ? mm_rows_avx512 : mm_rows, &t);
    return TS_OK;
}
