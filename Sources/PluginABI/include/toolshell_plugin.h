/*
 * toolshell plugin ABI — the one C header shared by the host and every plugin.
 *
 * Rules (see DESIGN.md, "Plugins"):
 *  - Every struct begins with `abi_version` and `struct_size`. A reader checks
 *    `abi_version == TS_ABI_VERSION` (major) and reads only fields that lie
 *    within `struct_size`, so later minor additions at the end stay compatible.
 *  - Each plugin exports exactly one entry symbol, `toolshell_plugin_entry`,
 *    returning a `ts_plugin_descriptor`.
 *  - Strings and configuration cross as NUL-terminated UTF-8; structured data
 *    as JSON text.
 *  - Whoever allocates frees: a string a plugin returns is released with that
 *    plugin's `free_string`; the host never frees plugin memory with its own
 *    allocator and vice versa.
 *  - Errors: functions returning a pointer return NULL on failure; functions
 *    returning int32_t return TS_OK (0) or a negative TS_ERR_* code. Either way,
 *    when `error` is non-NULL the plugin stores a message it allocated there
 *    (release with free_string).
 */
#ifndef TOOLSHELL_PLUGIN_H
#define TOOLSHELL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Major version of this ABI. Bump on any incompatible change. */
#define TS_ABI_VERSION 1u

/**
 * Minor version: additions at the end of a table that older hosts and plugins ignore.
 *   1.1  ts_engine_vtable gains next_event_json, set_cancel_flag and list_models_json
 *        (TEXT engines that parse tool calls themselves, e.g. a remote server).
 * A host reads an addition only when the plugin's struct_size covers it.
 */
#define TS_ABI_MINOR_VERSION 1u

/** Name of the one symbol each plugin exports. */
#define TS_PLUGIN_ENTRY_SYMBOL "toolshell_plugin_entry"

/* Result codes. */
#define TS_OK 0
#define TS_ERR_INVALID_ARGUMENT (-1)
#define TS_ERR_OUT_OF_MEMORY (-2)
#define TS_ERR_CONTEXT_FULL (-3)
#define TS_ERR_IO (-4)
#define TS_ERR_UNSUPPORTED (-5)
#define TS_ERR_CANCELLED (-6)
#define TS_ERR_INTERNAL (-7)

/** Which kind of plugin a descriptor describes. */
typedef enum ts_plugin_kind {
    TS_PLUGIN_ENGINE = 1,       /* model runner: ts_engine_vtable */
    TS_PLUGIN_BACKEND = 2,      /* compute kernels: ts_backend_vtable */
    TS_PLUGIN_TOOL_PARSER = 3,  /* tool-call wire format in code: ts_tool_parser_vtable */
} ts_plugin_kind;

/** What `toolshell_plugin_entry` returns. Static storage owned by the plugin. */
typedef struct ts_plugin_descriptor {
    uint32_t abi_version;       /* TS_ABI_VERSION */
    uint32_t struct_size;       /* sizeof(ts_plugin_descriptor) */
    uint32_t kind;              /* ts_plugin_kind */
    uint32_t reserved;
    const char *name;           /* short unique name, e.g. "gguf", "cpu", "replay" */
    const char *version;        /* plugin's own version string */
    const char *description;    /* one line for /plugins */
    const void *vtable;         /* ts_engine_vtable / ts_backend_vtable / ts_tool_parser_vtable */
} ts_plugin_descriptor;

typedef const ts_plugin_descriptor *(*ts_plugin_entry_fn)(void);

/* ------------------------------------------------------------------------ */
/* Backend plugins: compute kernels.                                          */
/* The kernel table lives in ts_backend_vtable below; engine plugins receive  */
/* it from the host when a model is opened.                                   */
/* ------------------------------------------------------------------------ */

/** GGML tensor types (values as in the GGUF file format). */
typedef enum ts_tensor_type {
    TS_TYPE_F32 = 0, TS_TYPE_F16 = 1, TS_TYPE_Q4_0 = 2, TS_TYPE_Q4_1 = 3,
    TS_TYPE_Q5_0 = 6, TS_TYPE_Q5_1 = 7, TS_TYPE_Q8_0 = 8, TS_TYPE_Q8_1 = 9,
    TS_TYPE_Q2_K = 10, TS_TYPE_Q3_K = 11, TS_TYPE_Q4_K = 12, TS_TYPE_Q5_K = 13,
    TS_TYPE_Q6_K = 14, TS_TYPE_Q8_K = 15, TS_TYPE_BF16 = 30,
} ts_tensor_type;

/* Opaque backend instance (thread pool, scratch). One instance runs one kernel call at a time:
 * callers serialise their use of an instance (the host does so per model). */
typedef struct ts_backend ts_backend;

typedef struct ts_backend_vtable {
    uint32_t abi_version;
    uint32_t struct_size;
    /** How well this backend fits the running machine: 0 = cannot run here; higher is better. */
    int32_t (*score)(void);
    /** JSON describing the backend and the CPU features it uses. Release with free_string. */
    char *(*info_json)(void);
    /** Create an instance; config_json e.g. {"threads":2}. */
    ts_backend *(*create)(const char *config_json, char **error);
    void (*destroy)(ts_backend *);
    void (*free_string)(char *);

    /** Whether matmul supports weights of this type (nonzero = yes). */
    int32_t (*supports_type)(uint32_t type);
    /**
     * y[n][rows] = W[rows][cols] · x[n][cols] for n input vectors (row-major, f32 x/y).
     * W is `rows` rows of `cols` elements in `type`'s block layout, `row_stride` bytes apart;
     * `cols` must be a multiple of the type's block size.
     */
    int32_t (*matmul)(ts_backend *, uint32_t type, const void *w, size_t row_stride,
                      int64_t rows, int64_t cols, const float *x, int64_t n, float *y);
    /** Dequantize `count` elements (a multiple of the block size) of `type` to f32. */
    int32_t (*dequantize)(uint32_t type, const void *src, float *dst, int64_t count);
    /** In-place RMS norm of n rows of dim elements, then multiply by weight (may be NULL). */
    void (*rms_norm)(ts_backend *, float *x, const float *weight, int64_t n, int64_t dim, float eps);
    /**
     * In-place RoPE on n rows of heads × head_dim; row t is at positions[t]. The first rot_dim
     * elements of each head rotate; neox selects the half-split pairing (i, i + rot_dim/2)
     * instead of adjacent pairs (2i, 2i+1).
     */
    void (*rope)(ts_backend *, float *x, const int32_t *positions, int64_t n, int64_t heads,
                 int64_t head_dim, int64_t rot_dim, float freq_base, float freq_scale, int32_t neox);
    /** Row-wise softmax over n rows of dim elements. */
    void (*softmax)(ts_backend *, float *x, int64_t n, int64_t dim);
    /** x[i] = silu(x[i]) * g[i] (SwiGLU) / gelu(x[i]) * g[i] (GeGLU, tanh approximation). */
    void (*silu_mul)(ts_backend *, float *x, const float *g, int64_t count);
    void (*gelu_mul)(ts_backend *, float *x, const float *g, int64_t count);
    /** y[i] += x[i]. */
    void (*add)(ts_backend *, float *y, const float *x, int64_t count);
    /** y[r][i] += bias[i] for n rows of dim elements. */
    void (*add_rows)(ts_backend *, float *y, const float *bias, int64_t n, int64_t dim);
    /** x[i] *= s. */
    void (*scale)(ts_backend *, float *x, float s, int64_t count);
    /**
     * Store n rows of kv_heads × head_dim f32 values into an f16 cache laid out
     * [kv_head][position][head_dim] (kv_stride elements between kv heads), at positions pos0….
     */
    void (*kv_store)(ts_backend *, const float *src, int64_t n, int64_t kv_heads, int64_t head_dim,
                     uint16_t *cache, size_t kv_stride, int64_t pos0);
    /**
     * Causal attention for n query rows (n × heads × head_dim f32) at positions pos0..pos0+n-1
     * against the first kv_len positions of an f16 cache (layout as kv_store). GQA: head h uses
     * kv head h / (heads / kv_heads). scores = q·k × scale; window > 0 limits each query to the
     * last `window` positions (sliding window). out: n × heads × head_dim.
     */
    int32_t (*attention)(ts_backend *, const float *q, const uint16_t *k_cache, const uint16_t *v_cache,
                         size_t kv_stride, int64_t n, int64_t pos0, int64_t kv_len, int64_t heads,
                         int64_t kv_heads, int64_t head_dim, float scale, int64_t window, float *out);
    /** Number of threads this instance computes with. */
    int32_t (*threads)(ts_backend *);
} ts_backend_vtable;

/* ------------------------------------------------------------------------ */
/* Engine plugins: model runners.                                             */
/* ------------------------------------------------------------------------ */

typedef struct ts_model ts_model;       /* opaque: an opened model */
typedef struct ts_sequence ts_sequence; /* opaque: one sequence with its own KV state */

/** What an engine produces. */
typedef enum ts_engine_output {
    TS_ENGINE_LOGITS = 1, /* forward() gives logits; the host tokenizes, samples and masks */
    TS_ENGINE_TEXT = 2,   /* generate_text()/next_text() give text (replay, remote servers) */
} ts_engine_output;

/** The backend an engine plugin computes with, handed over by the host. */
typedef struct ts_backend_binding {
    uint32_t abi_version;
    uint32_t struct_size;
    const ts_backend_vtable *vtable;
    ts_backend *instance;
} ts_backend_binding;

typedef struct ts_engine_vtable {
    uint32_t abi_version;
    uint32_t struct_size;
    uint32_t output;   /* ts_engine_output */
    uint32_t reserved;
    void (*free_string)(char *);

    /** Whether this engine can open the file (cheap check, e.g. magic and architecture). */
    int32_t (*can_open)(const char *path);
    /**
     * Open a model. config_json: {"threads":N,"ctx":N,...}; backend may be NULL for
     * text engines. progress(fraction 0..1, user) may be NULL.
     */
    ts_model *(*open_model)(const char *path, const char *config_json, const ts_backend_binding *backend,
                            void (*progress)(float fraction, void *user), void *user, char **error);
    void (*close_model)(ts_model *);
    /** JSON: {"architecture","n_vocab","n_ctx_train","n_embd","n_layer",...}. Release with free_string. */
    char *(*model_info_json)(ts_model *);

    ts_sequence *(*create_sequence)(ts_model *, uint32_t n_ctx, char **error);
    void (*free_sequence)(ts_sequence *);
    /** Number of positions currently held in the sequence's KV state. */
    uint32_t (*sequence_length)(ts_sequence *);
    /** Keep the first n_keep positions, drop the rest. */
    int32_t (*truncate)(ts_sequence *, uint32_t n_keep);

    /**
     * LOGITS engines: append n_tokens tokens at the end of the sequence and compute logits
     * for the n_out token indexes in `out_index` (0-based within this batch), written to
     * logits_out as n_out × n_vocab floats. cancel (may be NULL) is polled; nonzero stops
     * with TS_ERR_CANCELLED and leaves the sequence as it was before the call.
     */
    int32_t (*forward)(ts_sequence *, const int32_t *tokens, uint32_t n_tokens, const uint32_t *out_index,
                       uint32_t n_out, float *logits_out, const volatile int32_t *cancel, char **error);

    /**
     * TEXT engines: start generating from a request
     * ({"prompt": "...", "messages": [...], "tools": [...], "params": {...}}), then pull text
     * pieces with next_text until it returns NULL with *finish_reason set ("stop", "length", …).
     */
    int32_t (*generate_text)(ts_sequence *, const char *request_json, char **error);
    char *(*next_text)(ts_sequence *, char **finish_reason, char **error);

    /* ---- ABI 1.1 additions: present when struct_size > TS_ENGINE_VTABLE_SIZE_1_0. ---- */

    /**
     * TEXT engines: like next_text, but one event as a JSON object:
     * {"type":"text","text":...}       raw model text, for the host's tool parser;
     * {"type":"content"|"reasoning","text":...}   text the engine already separated;
     * {"type":"tool_call","index":N,"id":...?,"name":...?,"arguments":"fragment"};
     * {"type":"usage","prompt_tokens":N,"completion_tokens":N}.
     * NULL with *finish_reason set at the end; NULL with *error set on failure (text already
     * returned stays valid: the reply is partial). May be NULL in the table.
     */
    char *(*next_event_json)(ts_sequence *, char **finish_reason, char **error);
    /**
     * Registers a flag the engine polls while it waits (generate_text, next_text,
     * next_event_json); nonzero ends the reply with finish_reason "cancelled". NULL clears it.
     * The flag must stay valid until cleared or the sequence is freed. May be NULL in the table.
     */
    void (*set_cancel_flag)(ts_sequence *, const volatile int32_t *cancel);
    /**
     * The models this engine can serve right now, as a JSON array of
     * {"id":...,"owned_by":...?} (a remote engine asks its server). May be NULL in the table.
     */
    char *(*list_models_json)(ts_model *, char **error);
} ts_engine_vtable;

/** sizeof(ts_engine_vtable) in ABI 1.0, before the 1.1 additions: the least a host accepts. */
#define TS_ENGINE_VTABLE_SIZE_1_0 (offsetof(ts_engine_vtable, next_event_json))

/* ------------------------------------------------------------------------ */
/* Tool-parser plugins: wire formats that need code.                          */
/* ------------------------------------------------------------------------ */

typedef struct ts_tool_parser ts_tool_parser; /* opaque: one stream's parser state */

typedef struct ts_tool_parser_vtable {
    uint32_t abi_version;
    uint32_t struct_size;
    void (*free_string)(char *);
    /** Parser names this plugin provides, as a JSON array of strings. */
    const char *names_json;
    /** Create a parser for one stream; tools_json is the OpenAI tools array. */
    ts_tool_parser *(*create)(const char *name, const char *tools_json, char **error);
    void (*destroy)(ts_tool_parser *);
    /**
     * Feed a text delta; returns a JSON array of events, each
     * {"type":"content"|"reasoning","text":...} or
     * {"type":"tool_call","index":N,"id":...?,"name":...?,"arguments":"fragment"}.
     */
    char *(*feed)(ts_tool_parser *, const char *delta, char **error);
    /** End of stream: remaining events, same shape as feed. */
    char *(*finish)(ts_tool_parser *, char **error);
} ts_tool_parser_vtable;

#ifdef __cplusplus
}
#endif
#endif /* TOOLSHELL_PLUGIN_H */
