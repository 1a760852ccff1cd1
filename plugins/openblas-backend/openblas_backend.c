/* OpenBLAS backend plugin: the CPU backend's kernels, with large batched matrix products
 * (prompt prefill) done by OpenBLAS sgemm on dequantized weight rows. Single vectors and
 * small batches keep the CPU backend's integer dot products. */
#define TS_CPU_BACKEND_EMBEDDED 1
#include <pthread.h>
#include <cblas.h>
#include "../cpu-backend/quants.c"
#include "../cpu-backend/gemm_avx512.c"
#include "../cpu-backend/threadpool.c"
#include "../cpu-backend/ops.c"
#include "../cpu-backend/matmul.c"
#include "../cpu-backend/cpu_backend.c"

/* Batches at least this large go to sgemm. */
#define BLAS_MIN_BATCH 32
/* Weight rows dequantized per sgemm call. */
#define BLAS_ROW_CHUNK 512

extern void openblas_set_num_threads(int);

static int32_t blas_score(void) { return 30; /* below the CPU backend: chosen on request */ }

static char *blas_info_json(void) {
    char buf[256];
    snprintf(buf, sizeof buf, "{\"name\":\"openblas\",\"simd\":\"%s\",\"blas_min_batch\":%d}", ts_cpu_simd_name(),
             BLAS_MIN_BATCH);
    return dup_string(buf);
}

static ts_backend *blas_create(const char *config_json, char **error) {
    ts_backend *b = cpu_create(config_json, error);
    if (b) openblas_set_num_threads(ts_pool_threads(b->pool));
    return b;
}

typedef struct {
    const ts_type_traits *tt; const uint8_t *w; size_t row_stride; int64_t r0, count, cols; float *dst;
} dequant_task;

static void dequant_rows(void *p, int ith, int nth) {
    dequant_task *t = p;
    for (int64_t r = ith; r < t->count; r += nth)
        t->tt->to_float(t->w + (size_t)(t->r0 + r) * t->row_stride, t->dst + r * t->cols, t->cols);
}

static int32_t blas_matmul(ts_backend *b, uint32_t type, const void *w, size_t row_stride, int64_t rows,
                           int64_t cols, const float *x, int64_t n, float *y) {
    const ts_type_traits *tt = ts_cpu_traits(type);
    if (!b || !tt || !w || !x || !y || rows <= 0 || cols <= 0 || n <= 0 || cols % tt->block_size != 0)
        return TS_ERR_INVALID_ARGUMENT;
    if (n < BLAS_MIN_BATCH) return ts_cpu_matmul(b->pool, &b->scratch, type, w, row_stride, rows, cols, x, n, y);
    const int64_t chunk = rows < BLAS_ROW_CHUNK ? rows : BLAS_ROW_CHUNK;
    float *wf = ts_scratch_get(&b->weights, (size_t)chunk * (size_t)cols * sizeof(float));
    if (!wf) return TS_ERR_OUT_OF_MEMORY;
    for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
        const int64_t count = r0 + chunk <= rows ? chunk : rows - r0;
        dequant_task t = {tt, w, row_stride, r0, count, cols, wf};
        ts_pool_run(b->pool, dequant_rows, &t);
        /* y[:, r0:r0+count] = x (n × cols) · wf^T (cols × count) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)n, (blasint)count, (blasint)cols, 1.0f, x,
                    (blasint)cols, wf, (blasint)cols, 0.0f, y + r0, (blasint)rows);
    }
    return TS_OK;
}

static ts_backend_vtable blas_vtable;
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static void blas_init(void) {
    blas_vtable = cpu_vtable;
    blas_vtable.score = blas_score;
    blas_vtable.info_json = blas_info_json;
    blas_vtable.create = blas_create;
    blas_vtable.matmul = blas_matmul;
}

static const ts_plugin_descriptor blas_descriptor = {
    .abi_version = TS_ABI_VERSION,
    .struct_size = sizeof(ts_plugin_descriptor),
    .kind = TS_PLUGIN_BACKEND,
    .name = "openblas",
    .version = "1.0",
    .description = "CPU kernels with OpenBLAS sgemm for batched (prefill) matrix products",
    .vtable = &blas_vtable,
};

__attribute__((visibility("default"))) const ts_plugin_descriptor *toolshell_plugin_entry(void) {
    pthread_once(&blas_once, blas_init);
    return &blas_descriptor;
}
