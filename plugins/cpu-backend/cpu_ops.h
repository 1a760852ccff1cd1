/* CPU backend plugin: the non-matmul kernels (ops.c). */
#ifndef TS_CPU_OPS_H
#define TS_CPU_OPS_H
#include "cpu_internal.h"
void ts_op_rms_norm(float *x, const float *weight, int64_t n, int64_t dim, float eps);
void ts_op_rope(float *x, const int32_t *positions, int64_t n, int64_t heads, int64_t head_dim,
                int64_t rot_dim, float freq_base, float freq_scale, int32_t neox);
void ts_op_softmax(float *x, int64_t n, int64_t dim);
void ts_op_silu_mul(float *x, const float *g, int64_t count);
void ts_op_gelu_mul(float *x, const float *g, int64_t count);
void ts_op_add(float *y, const float *x, int64_t count);
void ts_op_add_rows(float *y, const float *bias, int64_t n, int64_t dim);
void ts_op_scale(float *x, float s, int64_t count);
void ts_op_kv_store(const float *src, int64_t n, int64_t kv_heads, int64_t head_dim, uint16_t *cache,
                    size_t kv_stride, int64_t pos0);
int32_t ts_op_attention(ts_pool *pool, const float *q, const uint16_t *k_cache, const uint16_t *v_cache,
                        size_t kv_stride, int64_t n, int64_t pos0, int64_t kv_len, int64_t heads,
                        int64_t kv_heads, int64_t head_dim, float scale, int64_t window, float *out);
#endif
