/*
 * esm2j CUDA kernels: the flat C ABI that the Java bindings (JavaCPP) call.
 *
 * Conventions, shared by every entry point:
 * - Each entry point takes one param struct: device pointers, int64 strides counted in elements (not bytes), dims and
 *   the stream to launch on. Nothing is allocated and nothing is synchronised; work is enqueued on `stream`.
 * - Each entry point returns an esm2j_status. On anything but ESM2J_OK, esm2j_last_error() returns a message for the
 *   calling thread naming the argument at fault, or the failed CUDA call with file:line. The library never exits.
 * - Activations have a runtime dtype (esm2j_dtype). Small parameters that epilogues read (biases, LayerNorm affine,
 *   rotary inv_freq) are always fp32: they cost little memory and keep the fused arithmetic in fp32.
 * - Packed variable-length batches: sequences are concatenated along the token axis without padding;
 *   cu_seqlens[s]..cu_seqlens[s+1] are the tokens of sequence s (int32, num_seqs + 1 entries, cu_seqlens[0] == 0),
 *   and positions (rotary) restart at 0 for every sequence.
 * - Arithmetic is fp32 throughout (statistics, softmax, GELU); each output is rounded once to its dtype.
 */
#ifndef ESM2J_CUDA_H
#define ESM2J_CUDA_H

#include <stddef.h>
#include <stdint.h>
#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; only these entry points are exported. */
#if defined(__GNUC__)
#define ESM2J_API __attribute__((visibility("default")))
#else
#define ESM2J_API
#endif

/* Bumped whenever a struct layout or entry point changes; the bindings compare it with their own copy. */
#define ESM2J_CUDA_ABI_VERSION 4

typedef enum esm2j_status {
    ESM2J_OK = 0,
    ESM2J_ERROR_INVALID_ARGUMENT = 1, /* a null pointer, a bad dim or stride, an unsupported dtype */
    ESM2J_ERROR_UNSUPPORTED = 2,      /* valid arguments this build has no kernel for (e.g. a head_dim) */
    ESM2J_ERROR_CUDA = 3,             /* a CUDA runtime call or kernel launch failed */
    ESM2J_ERROR_OUT_OF_MEMORY = 4     /* a device, pinned or graph allocation failed; the error is cleared */
} esm2j_status;

typedef enum esm2j_dtype {
    ESM2J_DTYPE_F32 = 0,
    ESM2J_DTYPE_F16 = 1,
    ESM2J_DTYPE_BF16 = 2
} esm2j_dtype;

/* The ABI version the library was compiled with. */
ESM2J_API int esm2j_abi_version(void);

/* Message for the last failure on the calling thread; empty when none. Valid until the thread's next failure. */
ESM2J_API const char *esm2j_last_error(void);

/* --- LayerNorm forward ------------------------------------------------------------------------------------------
 * y[r, :] = (x[r, :] - mean_r) * rstd_r * gamma + beta, rstd_r = 1 / sqrt(var_r + eps), biased variance, fp32
 * statistics. mean and rstd (fp32, rows entries each) are written when not null, for a later backward pass. */
typedef struct esm2j_layer_norm_params {
    const void *x;        /* (rows, dim), x_dtype */
    void *y;              /* (rows, dim), y_dtype; may alias x when both dtypes and strides agree */
    const float *gamma;   /* (dim) */
    const float *beta;    /* (dim) */
    float *mean;          /* (rows) or null */
    float *rstd;          /* (rows) or null */
    int64_t rows;
    int64_t dim;
    int64_t x_row_stride;
    int64_t y_row_stride;
    float eps;
    int32_t x_dtype;      /* esm2j_dtype */
    int32_t y_dtype;      /* esm2j_dtype */
    cudaStream_t stream;
} esm2j_layer_norm_params;

ESM2J_API int esm2j_layer_norm_forward(const esm2j_layer_norm_params *params);

/* --- bias + exact erf-GELU ----------------------------------------------------------------------------------------
 * y = gelu(x + bias), gelu(v) = v * 0.5 * (1 + erf(v / sqrt(2))). The epilogue of fc1 and of the LM head's dense. */
typedef struct esm2j_bias_gelu_params {
    const void *x;        /* (rows, cols), dtype */
    void *y;              /* (rows, cols), dtype; may alias x */
    const float *bias;    /* (cols) or null for none */
    int64_t rows;
    int64_t cols;
    int64_t x_row_stride;
    int64_t y_row_stride;
    int32_t dtype;        /* esm2j_dtype of x and y */
    cudaStream_t stream;
} esm2j_bias_gelu_params;

ESM2J_API int esm2j_bias_gelu_forward(const esm2j_bias_gelu_params *params);

/* --- residual add ---------------------------------------------------------------------------------------------
 * residual += delta + bias, in place, with the residual stream in a wider dtype than delta allowed. The forward pass
 * adds out_proj and fc2 onto the residual inside their GEMMs (cuBLASLt with beta = 1, or esm2j_matmul_forward with
 * accumulate); this is the unfused form for callers whose product cannot accumulate in place. */
typedef struct esm2j_residual_add_params {
    void *residual;       /* (rows, cols), residual_dtype; read and written */
    const void *delta;    /* (rows, cols), delta_dtype */
    const float *bias;    /* (cols) or null for none */
    int64_t rows;
    int64_t cols;
    int64_t residual_row_stride;
    int64_t delta_row_stride;
    int32_t residual_dtype;
    int32_t delta_dtype;
    cudaStream_t stream;
} esm2j_residual_add_params;

ESM2J_API int esm2j_residual_add_forward(const esm2j_residual_add_params *params);

/* --- QKV epilogue -------------------------------------------------------------------------------------------------
 * From the fused projection output qkv = x W_qkv^T, per token t of sequence s at position p = t - cu_seqlens[s]:
 *   q = rotary((qkv[t, 0:D] + bias[0:D]) * q_scale),  k = rotary(qkv[t, D:2D] + bias[D:2D]),  v = qkv[t, 2D:3D] + bias
 * with D = heads * head_dim, head h = channels [h*head_dim, (h+1)*head_dim) of each third, and the half-split rotary:
 * for j < head_dim/2, theta = p * inv_freq[j],
 *   y[j] = x[j] cos(theta) - x[j + head_dim/2] sin(theta),  y[j + head_dim/2] = x[j + head_dim/2] cos(theta) + x[j] sin(theta).
 * q_scale is head_dim^-0.5 for ESM-2 (applied before the rotation, as fair-esm does). */
typedef struct esm2j_qkv_epilogue_params {
    const void *qkv;          /* (total_tokens, 3 * heads * head_dim), in_dtype */
    const float *bias;        /* (3 * heads * head_dim) or null for none */
    const float *inv_freq;    /* (head_dim / 2), from the checkpoint */
    const int32_t *cu_seqlens;/* (num_seqs + 1) */
    void *q;                  /* (total_tokens, heads, head_dim), out_dtype, last dim contiguous */
    void *k;                  /* same layout as q */
    void *v;                  /* same layout as q */
    int64_t total_tokens;
    int64_t num_seqs;
    int64_t heads;
    int64_t head_dim;         /* even */
    int64_t qkv_row_stride;
    int64_t out_token_stride; /* of q, k and v */
    int64_t out_head_stride;  /* of q, k and v */
    float q_scale;
    int32_t in_dtype;
    int32_t out_dtype;
    cudaStream_t stream;
} esm2j_qkv_epilogue_params;

ESM2J_API int esm2j_qkv_epilogue_forward(const esm2j_qkv_epilogue_params *params);

/* --- token embedding with token dropout ---------------------------------------------------------------------------
 * x[t] = E[tokens[t]], then as ESM-2 does in training and inference: rows of mask tokens are zeroed and every row of
 * sequence s is scaled as (x * keep_scale) / (1 - n_mask(s) / n_nonpad(s)); pad rows are zeroed and not
 * counted. A token outside [0, vocab) yields a row of NaN. */
typedef struct esm2j_embedding_params {
    const int32_t *tokens;      /* (total_tokens) */
    const int32_t *cu_seqlens;  /* (num_seqs + 1) */
    const void *table;          /* (vocab, dim), table_dtype */
    void *out;                  /* (total_tokens, dim), out_dtype */
    float *seq_divisor_workspace; /* (num_seqs) scratch for the per-sequence token-dropout divisor */
    int64_t total_tokens;
    int64_t num_seqs;
    int64_t vocab;
    int64_t dim;
    int64_t table_row_stride;
    int64_t out_row_stride;
    int32_t mask_token;         /* 32 for ESM-2 */
    int32_t pad_token;          /* 1 for ESM-2 */
    float keep_scale;           /* 1 - mask_ratio_train = 0.88 for ESM-2 (1 - 0.15 * 0.8 in double, then float) */
    int32_t table_dtype;
    int32_t out_dtype;
    cudaStream_t stream;
} esm2j_embedding_params;

ESM2J_API int esm2j_embedding_forward(const esm2j_embedding_params *params);

/* --- attention forward ------------------------------------------------------------------------------------------
 * Non-causal multi-head attention over a packed batch: for each sequence s (tokens cu_seqlens[s]..cu_seqlens[s+1],
 * length T_s) and head h, O = softmax(scale * Q K^T) V over the T_s x T_s block of that sequence only, with fp32
 * scores, softmax and accumulation (bf16/fp16 inputs run on tensor cores). Packed batches have no padding, so nothing
 * is masked beyond the sequence bounds. head_dim must be 16, 24, 32, 64 or 128 (ESM2J_ERROR_UNSUPPORTED otherwise).
 * When probs is not null the softmax probabilities are also written in fp32: for sequence s a (heads, T_s, T_s)
 * row-major block starting at element probs_offsets[s] (a second pass recomputes the scores with the final row
 * max and sum, so they match the O that was computed). */
typedef struct esm2j_attention_params {
    const void *q;               /* (total_tokens, heads, head_dim), dtype, last dim contiguous */
    const void *k;               /* same layout and strides as q */
    const void *v;               /* same layout and strides as q */
    void *out;                   /* (total_tokens, heads * head_dim), dtype, row-major */
    float *probs;                /* null, or per sequence a (heads, T_s, T_s) fp32 block at probs_offsets[s] */
    const int64_t *probs_offsets;/* (num_seqs), element offsets into probs; required when probs is not null */
    const int32_t *cu_seqlens;   /* (num_seqs + 1) */
    int64_t total_tokens;
    int64_t num_seqs;            /* at most 65535 (grid z) */
    int64_t heads;               /* at most 65535 (grid y) */
    int64_t head_dim;
    int64_t max_seqlen;          /* >= every T_s; sizes the grid (blocks past a sequence's end exit at once) */
    int64_t token_stride;        /* of q, k and v */
    int64_t head_stride;         /* of q, k and v */
    int64_t out_row_stride;
    float scale;                 /* head_dim^-0.5 for a plain transformer; 1 for ESM-2, whose q is pre-scaled */
    int32_t dtype;               /* esm2j_dtype of q, k, v and out */
    cudaStream_t stream;
} esm2j_attention_params;

ESM2J_API int esm2j_attention_forward(const esm2j_attention_params *params);

/* --- mixed-precision matmul (hand-written, tensor cores) ---------------------------------------------------------
 * y = epilogue(x W^T + bias), with x (rows, in) and W (out, in) row-major in the same 16-bit dtype and fp32
 * accumulation; the nn.Linear product of every ESM-2 projection. Epilogues, applied in fp32 before one rounding to
 * y_dtype: bias (when not null), then exact erf-GELU when gelu != 0, then when accumulate != 0 the existing y is added
 * (y += x W^T + bias: out_proj and fc2 into the residual stream). gelu and accumulate are exclusive.
 * Tensor-core loads need 16-byte rows: in, x_row_stride and w_row_stride must be multiples of 8 and x, w 16-byte
 * aligned; anything else returns ESM2J_ERROR_UNSUPPORTED so the caller can use cuBLASLt instead. rows and out are free
 * (partial tiles are bounds-checked). */
typedef struct esm2j_matmul_params {
    const void *x;        /* (rows, in), in_dtype */
    const void *w;        /* (out, in), in_dtype */
    void *y;              /* (rows, out), y_dtype; must not overlap x or w */
    const float *bias;    /* (out) or null for none */
    int64_t rows;
    int64_t in;
    int64_t out;
    int64_t x_row_stride;
    int64_t w_row_stride;
    int64_t y_row_stride;
    int32_t in_dtype;     /* ESM2J_DTYPE_F16 or ESM2J_DTYPE_BF16 */
    int32_t y_dtype;      /* any esm2j_dtype */
    int32_t gelu;         /* nonzero: y = gelu(x W^T + bias) */
    int32_t accumulate;   /* nonzero: y += x W^T + bias */
    cudaStream_t stream;
} esm2j_matmul_params;

ESM2J_API int esm2j_matmul_forward(const esm2j_matmul_params *params);

/* --- log-softmax over the vocabulary ------------------------------------------------------------------------------
 * out[r, :] = x[r, :] - max_r - log(sum_j exp(x[r, j] - max_r)) over the first cols columns, fp32 in and out: the LM
 * head's log-probabilities that variant scoring reads (fair-esm: logits.log_softmax(dim=-1)). out may alias x. */
typedef struct esm2j_log_softmax_params {
    const float *x;       /* (rows, cols) */
    float *out;           /* (rows, cols) */
    int64_t rows;
    int64_t cols;
    int64_t x_row_stride;
    int64_t out_row_stride;
    cudaStream_t stream;
} esm2j_log_softmax_params;

ESM2J_API int esm2j_log_softmax_forward(const esm2j_log_softmax_params *params);

/* --- contact head -------------------------------------------------------------------------------------------------
 * fair-esm's ContactPredictionHead, fed one layer at a time so that no more than one layer's attention maps are ever
 * held. For sequence s (T = T_s tokens, <cls> first, <eos> last, n = T - 2) and head h of the layer, with keep_i = 0
 * where token i+1 is <eos> and 1 otherwise:
 *   S[i, j] = (P[h, i+1, j+1] + P[h, j+1, i+1]) * keep_i * keep_j   (i, j < n)
 *   a_i = sum_j S[i, j],  a = sum_i a_i,  APC[i, j] = S[i, j] - a_i a_j / a
 *   logits[i, j] (+)= sum_h weight[h] * APC[i, j]
 * accumulate == 0 overwrites logits (the first layer), otherwise adds onto them. The row sums go through
 * row_sum_workspace. After the last layer, esm2j_contact_head_finish turns logits into sigmoid(logits + bias) in
 * place. Sequences shorter than 3 tokens have no contacts and are skipped. */
typedef struct esm2j_contact_head_params {
    const float *probs;            /* per sequence a (heads, T_s, T_s) block at probs_offsets[s], as attention writes */
    const int64_t *probs_offsets;  /* (num_seqs) */
    const int32_t *cu_seqlens;     /* (num_seqs + 1) */
    const int32_t *tokens;         /* (total_tokens) */
    const float *weight;           /* (heads): this layer's slice of the regression weight */
    float *logits;                 /* per sequence an (n_s, n_s) block at contact_offsets[s] */
    const int64_t *contact_offsets;/* (num_seqs) */
    float *row_sum_workspace;      /* (heads * total_tokens) */
    int64_t total_tokens;
    int64_t num_seqs;
    int64_t heads;
    int64_t max_seqlen;
    int32_t eos_token;             /* 2 for ESM-2 */
    int32_t accumulate;
    cudaStream_t stream;
} esm2j_contact_head_params;

ESM2J_API int esm2j_contact_head_accumulate(const esm2j_contact_head_params *params);

typedef struct esm2j_contact_head_finish_params {
    float *logits;                 /* (count), in place: sigmoid(logits + bias) */
    int64_t count;
    float bias;
    cudaStream_t stream;
} esm2j_contact_head_finish_params;

ESM2J_API int esm2j_contact_head_finish(const esm2j_contact_head_finish_params *params);

/* --- random fill (benchmarks) -------------------------------------------------------------------------------------
 * x[i] = uniform(-scale, scale) from a counter-based hash of (seed, i), in dtype: random weights made on the device,
 * so benchmarks of the largest models need no host copy of them. */
typedef struct esm2j_fill_random_params {
    void *x;
    int64_t count;
    uint64_t seed;
    float scale;
    int32_t dtype;
    cudaStream_t stream;
} esm2j_fill_random_params;

ESM2J_API int esm2j_fill_random(const esm2j_fill_random_params *params);

/* --- the runtime: memory, copies, streams, events, graphs ------------------------------------------------------
 * Every CUDA runtime operation the Java side needs, so that one library serves it all: on a device through the CUDA
 * runtime, and in the CPU-emulator build (ESM2J_EMULATE, cuda-kernels/emu) on the host, where kernels run when they
 * are launched, copies are synchronous, and a graph records the launches and copies of its capture and replays them.
 * Pointers returned here are device addresses on a device and host addresses (with guard zones) on the emulator. */

/* 1 in the CPU-emulator build, 0 in the CUDA build. */
ESM2J_API int esm2j_emulated(void);

/* Devices visible: on the emulator always 1. Fails (ESM2J_ERROR_CUDA) where the driver or device is missing. */
ESM2J_API int esm2j_device_count(int *count);

/* Free and total device memory in bytes (cudaMemGetInfo; the emulator reports its limit minus what is allocated). */
ESM2J_API int esm2j_mem_get_info(size_t *free_bytes, size_t *total_bytes);

/* The emulator's device memory size, for tests of the out-of-memory path; ESM2J_ERROR_UNSUPPORTED on a device. */
ESM2J_API int esm2j_set_emulated_memory(size_t total_bytes);

/* Clears the calling thread's pending CUDA error (cudaGetLastError); returns the status it had: ESM2J_OK or
 * ESM2J_ERROR_CUDA with its message in esm2j_last_error(). */
ESM2J_API int esm2j_clear_error(void);

ESM2J_API int esm2j_device_alloc(void **pointer, size_t bytes); /* ESM2J_ERROR_OUT_OF_MEMORY when it does not fit */
ESM2J_API int esm2j_device_free(void *pointer);                 /* null is a no-op */
ESM2J_API int esm2j_host_alloc(void **pointer, size_t bytes);   /* page-locked host memory */
ESM2J_API int esm2j_host_free(void *pointer);

typedef enum esm2j_copy_kind {
    ESM2J_COPY_HOST_TO_DEVICE = 1,
    ESM2J_COPY_DEVICE_TO_HOST = 2,
    ESM2J_COPY_DEVICE_TO_DEVICE = 3
} esm2j_copy_kind;

/* Synchronous copy (cudaMemcpy). */
ESM2J_API int esm2j_memcpy(void *dst, const void *src, size_t bytes, int32_t kind);
/* Copy ordered on stream (cudaMemcpyAsync); host memory should be page-locked. */
ESM2J_API int esm2j_memcpy_async(void *dst, const void *src, size_t bytes, int32_t kind, cudaStream_t stream);
ESM2J_API int esm2j_memset_async(void *dst, int32_t value, size_t bytes, cudaStream_t stream);

ESM2J_API int esm2j_stream_create(cudaStream_t *stream); /* as cudaStreamCreate */
ESM2J_API int esm2j_stream_destroy(cudaStream_t stream);
ESM2J_API int esm2j_stream_synchronize(cudaStream_t stream);
/* *capturing = 1 while stream is being captured into a graph, else 0. */
ESM2J_API int esm2j_stream_is_capturing(cudaStream_t stream, int32_t *capturing);

ESM2J_API int esm2j_event_create(cudaEvent_t *event);
ESM2J_API int esm2j_event_record(cudaEvent_t event, cudaStream_t stream);
ESM2J_API int esm2j_event_synchronize(cudaEvent_t event);
ESM2J_API int esm2j_event_elapsed_ms(float *ms, cudaEvent_t start, cudaEvent_t stop);
ESM2J_API int esm2j_event_destroy(cudaEvent_t event);

/* An instantiated graph: the work enqueued on a stream between begin and end capture, replayable on any stream. */
typedef struct esm2j_graph esm2j_graph;

/* Starts capturing stream (thread-local mode: other threads' CUDA calls are not affected). */
ESM2J_API int esm2j_graph_begin_capture(cudaStream_t stream);
/* Ends the capture and instantiates it into *graph. On failure the capture is over, nothing is left to free and
 * *graph is null. */
ESM2J_API int esm2j_graph_end_capture(cudaStream_t stream, esm2j_graph **graph);
ESM2J_API int esm2j_graph_launch(esm2j_graph *graph, cudaStream_t stream);
ESM2J_API int esm2j_graph_destroy(esm2j_graph *graph); /* null is a no-op */

#ifdef __cplusplus
}
#endif

#endif /* ESM2J_CUDA_H */
