/* CPU backend plugin: the kernel table behind toolshell_plugin_entry. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "cpu_internal.h"
#include "cpu_ops.h"

struct ts_backend {
    ts_pool *pool;
    ts_scratch scratch;
    ts_scratch weights; /* dequantized weight rows (used by the OpenBLAS backend) */
};

static char *dup_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}
static void set_error(char **error, const char *message) { if (error) *error = dup_string(message); }
static void cpu_free_string(char *s) { free(s); }

/* Reads an integer member `"key": N` from a flat JSON object; returns fallback when absent. */
static long json_int(const char *json, const char *key, long fallback) {
    if (!json) return fallback;
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *p = strstr(json, pattern);
    if (!p) return fallback;
    p += strlen(pattern);
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (*p != ':') return fallback;
    p++;
    char *end;
    long v = strtol(p, &end, 10);
    return end == p ? fallback : v;
}

static int32_t cpu_score(void) {
    /* any x86-64 or other CPU can run the portable path; SIMD paths score higher */
    return strcmp(ts_cpu_simd_name(), "portable") == 0 ? 10 : 50;
}

static char *cpu_info_json(void) {
    char buf[256];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(buf, sizeof buf,
             "{\"name\":\"cpu\",\"simd\":\"%s\",\"online_cpus\":%ld,"
             "\"types\":[\"F32\",\"F16\",\"BF16\",\"Q4_0\",\"Q5_0\",\"Q8_0\",\"Q4_K\",\"Q6_K\"]}",
             ts_cpu_simd_name(), cores);
    return dup_string(buf);
}

static ts_backend *cpu_create(const char *config_json, char **error) {
    long threads = json_int(config_json, "threads", 0);
    if (threads <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? cores : 1;
    }
    if (threads > 256) { set_error(error, "cpu backend: \"threads\" must be between 1 and 256"); return NULL; }
    ts_backend *b = calloc(1, sizeof *b);
    if (!b) { set_error(error, "cpu backend: out of memory"); return NULL; }
    b->pool = ts_pool_create((int)threads);
    if (!b->pool) { free(b); set_error(error, "cpu backend: cannot start worker threads"); return NULL; }
    return b;
}

static void cpu_destroy(ts_backend *b) {
    if (!b) return;
    ts_pool_destroy(b->pool);
    free(b->scratch.data);
    free(b->weights.data);
    free(b);
}

static int32_t cpu_supports_type(uint32_t type) { return ts_cpu_traits(type) != NULL; }

static int32_t cpu_matmul(ts_backend *b, uint32_t type, const void *w, size_t row_stride, int64_t rows,
                          int64_t cols, const float *x, int64_t n, float *y) {
    if (!b) return TS_ERR_INVALID_ARGUMENT;
    return ts_cpu_matmul(b->pool, &b->scratch, type, w, row_stride, rows, cols, x, n, y);
}

static int32_t cpu_dequantize(uint32_t type, const void *src, float *dst, int64_t count) {
    const ts_type_traits *tt = ts_cpu_traits(type);
    if (!tt || !src || !dst || count < 0 || count % tt->block_size != 0) return TS_ERR_INVALID_ARGUMENT;
    tt->to_float(src, dst, count);
    return TS_OK;
}

/* ---- thin wrappers ------------------------------------------------------------- */

static void cpu_rms_norm(ts_backend *b, float *x, const float *w, int64_t n, int64_t dim, float eps) {
    (void)b; ts_op_rms_norm(x, w, n, dim, eps);
}
static void cpu_rope(ts_backend *b, float *x, const int32_t *pos, int64_t n, int64_t heads, int64_t head_dim,
                     int64_t rot_dim, float base, float scale, int32_t neox) {
    (void)b; ts_op_rope(x, pos, n, heads, head_dim, rot_dim, base, scale, neox);
}
static void cpu_softmax(ts_backend *b, float *x, int64_t n, int64_t dim) { (void)b; ts_op_softmax(x, n, dim); }

typedef struct { float *x; const float *g; int64_t count; int gelu; } act_task;
static void act_worker(void *p, int ith, int nth) {
    act_task *t = p;
    const int64_t per = (t->count + nth - 1) / nth;
    const int64_t i0 = per * ith, i1 = i0 + per < t->count ? i0 + per : t->count;
    if (i0 >= i1) return;
    if (t->gelu) ts_op_gelu_mul(t->x + i0, t->g + i0, i1 - i0);
    else ts_op_silu_mul(t->x + i0, t->g + i0, i1 - i0);
}
static void run_act(ts_backend *b, float *x, const float *g, int64_t count, int gelu) {
    act_task t = {x, g, count, gelu};
    if (count >= 65536) ts_pool_run(b->pool, act_worker, &t);
    else act_worker(&t, 0, 1);
}
static void cpu_silu_mul(ts_backend *b, float *x, const float *g, int64_t count) { run_act(b, x, g, count, 0); }
static void cpu_gelu_mul(ts_backend *b, float *x, const float *g, int64_t count) { run_act(b, x, g, count, 1); }
static void cpu_add(ts_backend *b, float *y, const float *x, int64_t count) { (void)b; ts_op_add(y, x, count); }
static void cpu_add_rows(ts_backend *b, float *y, const float *bias, int64_t n, int64_t dim) {
    (void)b; ts_op_add_rows(y, bias, n, dim);
}
static void cpu_scale(ts_backend *b, float *x, float s, int64_t count) { (void)b; ts_op_scale(x, s, count); }
static void cpu_kv_store(ts_backend *b, const float *src, int64_t n, int64_t kv_heads, int64_t head_dim,
                         uint16_t *cache, size_t kv_stride, int64_t pos0) {
    (void)b; ts_op_kv_store(src, n, kv_heads, head_dim, cache, kv_stride, pos0);
}
static int32_t cpu_attention(ts_backend *b, const float *q, const uint16_t *k, const uint16_t *v, size_t kv_stride,
                             int64_t n, int64_t pos0, int64_t kv_len, int64_t heads, int64_t kv_heads,
                             int64_t head_dim, float scale, int64_t window, float *out) {
    return ts_op_attention(b->pool, q, k, v, kv_stride, n, pos0, kv_len, heads, kv_heads, head_dim, scale,
                           window, out);
}
static int32_t cpu_threads(ts_backend *b) { return b ? ts_pool_threads(b->pool) : 0; }

static const ts_backend_vtable cpu_vtable = {
    .abi_version = TS_ABI_VERSION,
    .struct_size = sizeof(ts_backend_vtable),
    .score = cpu_score,
    .info_json = cpu_info_json,
    .create = cpu_create,
    .destroy = cpu_destroy,
    .free_string = cpu_free_string,
    .supports_type = cpu_supports_type,
    .matmul = cpu_matmul,
    .dequantize = cpu_dequantize,
    .rms_norm = cpu_rms_norm,
    .rope = cpu_rope,
    .softmax = cpu_softmax,
    .silu_mul = cpu_silu_mul,
    .gelu_mul = cpu_gelu_mul,
    .add = cpu_add,
    .add_rows = cpu_add_rows,
    .scale = cpu_scale,
    .kv_store = cpu_kv_store,
    .attention = cpu_attention,
    .threads = cpu_threads,
};

#ifndef TS_CPU_BACKEND_EMBEDDED /* the OpenBLAS backend reuses this file with its own descriptor */
static const ts_plugin_descriptor cpu_descriptor = {
    .abi_version = TS_ABI_VERSION,
    .struct_size = sizeof(ts_plugin_descriptor),
    .kind = TS_PLUGIN_BACKEND,
    .name = "cpu",
    .version = "1.0",
    .description = "CPU kernels (AVX2/AVX-512 VNNI with a portable fallback), quantized GGUF types",
    .vtable = &cpu_vtable,
};

__attribute__((visibility("default"))) const ts_plugin_descriptor *toolshell_plugin_entry(void) {
    return &cpu_descriptor;
}
#endif
