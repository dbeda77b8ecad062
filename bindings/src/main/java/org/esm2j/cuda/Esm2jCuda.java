package org.esm2j.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of {@code native/include/esm2j_cuda.h}, one Java method or class per C declaration with the C
 * names kept, so the header is the documentation. Our library is preloaded from this jar's {@code linux-x86_64}
 * resources and links libcudart itself; the CPU-emulator build of the same library (same header, same glue) is loaded
 * instead under {@code -Desm2j.backend=cuda-emulated} (see {@link CudaLibrary}). Device pointers, streams, events and
 * graphs are plain {@link Pointer}s holding the address or handle. Every CUDA runtime operation goes through this
 * library, never through the CUDA presets' cudart: their JNI library links the driver (libcuda), so it cannot load on
 * machines without a GPU, and the emulator could not serve it. Only cuBLASLt comes from the presets (see
 * {@link CublasLt}).
 * Callers use {@link CudaKernels}, which validates shapes first.
 */
@Platform(include = "esm2j_cuda.h", link = "esm2j_cuda", preload = "esm2j_cuda")
public final class Esm2jCuda {
    static {
        Loader.load();
    }

    private Esm2jCuda() {}

    // --- constants, read from the header at JNI compile time so they cannot drift -----------------------------------
    @MemberGetter public static native int ESM2J_CUDA_ABI_VERSION();
    @MemberGetter public static native int ESM2J_OK();
    @MemberGetter public static native int ESM2J_ERROR_INVALID_ARGUMENT();
    @MemberGetter public static native int ESM2J_ERROR_UNSUPPORTED();
    @MemberGetter public static native int ESM2J_ERROR_CUDA();
    @MemberGetter public static native int ESM2J_ERROR_OUT_OF_MEMORY();
    @MemberGetter public static native int ESM2J_COPY_HOST_TO_DEVICE();
    @MemberGetter public static native int ESM2J_COPY_DEVICE_TO_HOST();
    @MemberGetter public static native int ESM2J_COPY_DEVICE_TO_DEVICE();
    @MemberGetter public static native int ESM2J_DTYPE_F32();
    @MemberGetter public static native int ESM2J_DTYPE_F16();
    @MemberGetter public static native int ESM2J_DTYPE_BF16();

    // --- entry points --------------------------------------------------------------------------------------------
    public static native int esm2j_abi_version();

    public static native @Const BytePointer esm2j_last_error();

    public static native int esm2j_layer_norm_forward(@Const esm2j_layer_norm_params params);

    public static native int esm2j_bias_gelu_forward(@Const esm2j_bias_gelu_params params);

    public static native int esm2j_residual_add_forward(@Const esm2j_residual_add_params params);

    public static native int esm2j_qkv_epilogue_forward(@Const esm2j_qkv_epilogue_params params);

    public static native int esm2j_embedding_forward(@Const esm2j_embedding_params params);

    public static native int esm2j_attention_forward(@Const esm2j_attention_params params);

    public static native int esm2j_matmul_forward(@Const esm2j_matmul_params params);

    public static native int esm2j_log_softmax_forward(@Const esm2j_log_softmax_params params);

    public static native int esm2j_contact_head_accumulate(@Const esm2j_contact_head_params params);

    public static native int esm2j_contact_head_finish(@Const esm2j_contact_head_finish_params params);

    public static native int esm2j_fill_random(@Const esm2j_fill_random_params params);

    // --- the runtime: memory, copies, streams, events, graphs (handles are plain Pointers holding the address) ----
    public static native int esm2j_emulated();

    public static native int esm2j_device_count(IntPointer count);

    public static native int esm2j_mem_get_info(SizeTPointer freeBytes, SizeTPointer totalBytes);

    public static native int esm2j_set_emulated_memory(@Cast("size_t") long totalBytes);

    public static native int esm2j_clear_error();

    public static native int esm2j_device_alloc(@Cast("void**") PointerPointer<?> pointer, @Cast("size_t") long bytes);

    public static native int esm2j_device_free(Pointer pointer);

    public static native int esm2j_host_alloc(@Cast("void**") PointerPointer<?> pointer, @Cast("size_t") long bytes);

    public static native int esm2j_host_free(Pointer pointer);

    public static native int esm2j_memcpy(Pointer dst, @Const Pointer src, @Cast("size_t") long bytes, int kind);

    public static native int esm2j_memcpy_async(Pointer dst, @Const Pointer src, @Cast("size_t") long bytes, int kind,
            @Cast("cudaStream_t") Pointer stream);

    public static native int esm2j_memset_async(Pointer dst, int value, @Cast("size_t") long bytes,
            @Cast("cudaStream_t") Pointer stream);

    public static native int esm2j_stream_create(@Cast("cudaStream_t*") PointerPointer<?> stream);

    public static native int esm2j_stream_destroy(@Cast("cudaStream_t") Pointer stream);

    public static native int esm2j_stream_synchronize(@Cast("cudaStream_t") Pointer stream);

    public static native int esm2j_stream_is_capturing(@Cast("cudaStream_t") Pointer stream, IntPointer capturing);

    public static native int esm2j_event_create(@Cast("cudaEvent_t*") PointerPointer<?> event);

    public static native int esm2j_event_record(@Cast("cudaEvent_t") Pointer event,
            @Cast("cudaStream_t") Pointer stream);

    public static native int esm2j_event_synchronize(@Cast("cudaEvent_t") Pointer event);

    public static native int esm2j_event_elapsed_ms(FloatPointer ms, @Cast("cudaEvent_t") Pointer start,
            @Cast("cudaEvent_t") Pointer stop);

    public static native int esm2j_event_destroy(@Cast("cudaEvent_t") Pointer event);

    public static native int esm2j_graph_begin_capture(@Cast("cudaStream_t") Pointer stream);

    public static native int esm2j_graph_end_capture(@Cast("cudaStream_t") Pointer stream,
            @Cast("esm2j_graph**") PointerPointer<?> graph);

    public static native int esm2j_graph_launch(@Cast("esm2j_graph*") Pointer graph,
            @Cast("cudaStream_t") Pointer stream);

    public static native int esm2j_graph_destroy(@Cast("esm2j_graph*") Pointer graph);

    // --- param structs (field meanings and shapes: see the header) ------------------------------------------------
    @Name("esm2j_layer_norm_params")
    public static final class esm2j_layer_norm_params extends Pointer {
        static {
            Loader.load();
        }

        public esm2j_layer_norm_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native @Const Pointer x(); public native esm2j_layer_norm_params x(@Const Pointer x);
        public native Pointer y(); public native esm2j_layer_norm_params y(Pointer y);
        public native @Const FloatPointer gamma(); public native esm2j_layer_norm_params gamma(@Const FloatPointer gamma);
        public native @Const FloatPointer beta(); public native esm2j_layer_norm_params beta(@Const FloatPointer beta);
        public native FloatPointer mean(); public native esm2j_layer_norm_params mean(FloatPointer mean);
        public native FloatPointer rstd(); public native esm2j_layer_norm_params rstd(FloatPointer rstd);
        public native long rows(); public native esm2j_layer_norm_params rows(long rows);
        public native long dim(); public native esm2j_layer_norm_params dim(long dim);
        public native long x_row_stride(); public native esm2j_layer_norm_params x_row_stride(long stride);
        public native long y_row_stride(); public native esm2j_layer_norm_params y_row_stride(long stride);
        public native float eps(); public native esm2j_layer_norm_params eps(float eps);
        public native int x_dtype(); public native esm2j_layer_norm_params x_dtype(int dtype);
        public native int y_dtype(); public native esm2j_layer_norm_params y_dtype(int dtype);
        public native @Cast("cudaStream_t") Pointer stream(); public native esm2j_layer_norm_params stream(@Cast("cudaStream_t") Pointer stream);
    }

    @Name("esm2j_bias_gelu_params")
    public static final class esm2j_bias_gelu_params extends Pointer {
        static {
            Loader.load();
        }

        public esm2j_bias_gelu_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native @Const Pointer x(); public native esm2j_bias_gelu_params x(@Const Pointer x);
        public native Pointer y(); public native esm2j_bias_gelu_params y(Pointer y);
        public native @Const FloatPointer bias(); public native esm2j_bias_gelu_params bias(@Const FloatPointer bias);
        public native long rows(); public native esm2j_bias_gelu_params rows(long rows);
        public native long cols(); public native esm2j_bias_gelu_params cols(long cols);
        public native long x_row_stride(); public native esm2j_bias_gelu_params x_row_stride(long stride);
        public native long y_row_stride(); public native esm2j_bias_gelu_params y_row_stride(long stride);
        public native int dtype(); public native esm2j_bias_gelu_params dtype(int dtype);
        public native @Cast("cudaStream_t") Pointer stream(); public native esm2j_bias_gelu_params stream(@Cast("cudaStream_t") Pointer stream);
    }

    @Name("esm2j_residual_add_params")
    public static final class esm2j_residual_add_params extends Pointer {
        static {
            Loader.load();
        }

        public esm2j_residual_add_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native Pointer residual(); public native esm2j_residual_add_params residual(Pointer residual);
        public native @Const Pointer delta(); public native esm2j_residual_add_params delta(@Const Pointer delta);
        public native @Const FloatPointer bias(); public native esm2j_residual_add_params bias(@Const FloatPointer bias);
        public native long rows(); public native esm2j_residual_add_params rows(long rows);
        public native long cols(); public native esm2j_residual_add_params cols(long cols);
        public native long residual_row_stride(); public native esm2j_residual_add_params residual_row_stride(long stride);
        public native long delta_row_stride(); public native esm2j_residual_add_params delta_row_stride(long stride);
        public native int residual_dtype(); public native esm2j_residual_add_params residual_dtype(int dtype);
        public native int delta_dtype(); public native esm2j_residual_add_params delta_dtype(int dtype);
        public native @Cast("cudaStream_t") Pointer stream(); public native esm2j_residual_add_params stream(@Cast("cudaStream_t") Pointer stream);
    }

    @Name("esm2j_qkv_epilogue_params")
    public static final class esm2j_qkv_epilogue_params extends Pointer {
        static {
            Loader.load();
        }

        public esm2j_qkv_epilogue_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native @Const Pointer qkv(); public native esm2j_qkv_epilogue_params qkv(@Const Pointer qkv);
        public native @Const FloatPointer bias(); public native esm2j_qkv_epilogue_params bias(@Const FloatPointer bias);
        public native @Const FloatPointer inv_freq(); public native esm2j_qkv_epilogue_params inv_freq(@Const FloatPointer invFreq);
        public native @Const IntPointer cu_seqlens(); public native esm2j_qkv_epilogue_params cu_seqlens(@Const IntPointer cuSeqlens);
        public native Pointer q(); public native esm2j_qkv_epilogue_params q(Pointer q);
        public native Pointer k(); public native esm2j_qkv_epilogue_params k(Pointer k);
        public native Pointer v(); public native esm2j_qkv_epilogue_params v(Pointer v);
        public native long total_tokens(); public native esm2j_qkv_epilogue_params total_tokens(long tokens);
        public native long num_seqs(); public native esm2j_qkv_epilogue_params num_seqs(long seqs);
        public native long heads(); public native esm2j_qkv_epilogue_params heads(long heads);
        public native long head_dim(); public native esm2j_qkv_epilogue_params head_dim(long headDim);
        public native long qkv_row_stride(); public native esm2j_qkv_epilogue_params qkv_row_stride(long stride);
        public native long out_token_stride(); public native esm2j_qkv_epilogue_params out_token_stride(long stride);
        public native long out_head_stride(); public native esm2j_qkv_epilogue_params out_head_stride(long stride);
        public native float q_scale(); public native esm2j_qkv_epilogue_params q_scale(float scale);
        public native int in_dtype(); public native esm2j_qkv_epilogue_params in_dtype(int dtype);
        public native int out_dtype(); public native esm2j_qkv_epilogue_params out_dtype(int dtype);
        public native @Cast("cudaStream_t") Pointer stream(); public native esm2j_qkv_epilogue_params stream(@Cast("cudaStream_t") Pointer stream);
    }

    @Name("esm2j_embedding_params")
    public static final class esm2j_embedding_params extends Pointer {
        static {
            Loader.load();
        }

        public esm2j_embedding_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native @Const IntPointer tokens(); public native esm2j_embedding_params tokens(@Const IntPointer tokens);
        public native @Const IntPointer cu_seqlens(); public native esm2j_embedding_params cu_seqlens(@Const IntPointer cuSeqlens);
        public native @Const Pointer table(); public native esm2j_embedding_params table(@Const Pointer table);
        public native Pointer out(); public native esm2j_embedding_params out(Pointer out);
        public native FloatPointer seq_divisor_workspace(); public native esm2j_embedding_params seq_divisor_workspace(FloatPointer workspace);
        public native long total_tokens(); public native esm2j_embedding_params total_tokens(long tokens);
        public native long num_seqs(); public native esm2j_embedding_params num_seqs(long seqs);
        public native long vocab(); public native esm2j_embedding_params vocab(long vocab);
        public native long dim(); public native esm2j_embedding_params dim(long dim);
        public native long table_row_stride(); public native esm2j_embedding_params table_row_stride(long stride);
        public native long out_row_stride(); public native esm2j_embedding_params out_row_stride(long stride);
        public native int mask_token(); public native esm2j_embedding_params mask_token(int token);
        public native int pad_token(); public native esm2j_embedding_params pad_token(int token);
        public native float keep_scale(); public native esm2j_embedding_params keep_scale(float scale);
        public native int table_dtype(); public native esm2j_embedding_params table_dtype(int dtype);
        public native int out_dtype(); public native esm2j_embedding_params out_dtype(int dtype);
        public native @Cast("cudaStream_t") Pointer stream(); public native esm2j_embedding_params stream(@Cast("cudaStream_t") Pointer stream);
    }

    @Name("esm2j_attention_params")
    public static final class esm2j_attention_params extends Pointer {
        static {
            Loader.load();
        }

        public esm2j_attention_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native @Const Pointer q(); public native esm2j_attention_params q(@Const Pointer q);
        public native @Const Pointer k(); public native esm2j_attention_params k(@Const Pointer k);
        public native @Const Pointer v(); public native esm2j_attention_params v(@Const Pointer v);
        public native Pointer out(); public native esm2j_attention_params out(Pointer out);
        public native FloatPointer probs(); public native esm2j_attention_params probs(FloatPointer probs);
        public native @Cast("const int64_t*") LongPointer probs_offsets(); public native esm2j_attention_params probs_offsets(@Cast("const int64_t*") LongPointer offsets);
        public native @Const IntPointer cu_seqlens(); public native esm2j_attention_params cu_seqlens(@Const IntPointer cuSeqlens);
        public native long total_tokens(); public native esm2j_attention_params total_tokens(long tokens);
        public native long num_seqs(); public native esm2j_attention_params num_seqs(long seqs);
        public native long heads(); public native esm2j_attention_params heads(long heads);
        public native long head_dim(); public native esm2j_attention_params head_dim(long headDim);
        public native long max_seqlen(); public native esm2j_attention_params max_seqlen(long maxSeqlen);
        public native long token_stride(); public native esm2j_attention_params token_stride(long stride);
        public native long head_stride(); public native esm2j_attention_params head_stride(long stride);
        public native long out_row_stride(); public native esm2j_attention_params out_row_stride(long stride);
        public native float scale(); public native esm2j_attention_params scale(float scale);
        public native int dtype(); public native esm2j_attention_params dtype(int dtype);
        public native @Cast("cudaStream_t") Pointer stream(); public native esm2j_attention_params stream(@Cast("cudaStream_t") Pointer stream);
    }

    @Name("esm2j_matmul_params")
    public static final class esm2j_matmul_params extends Pointer {
        static {
            Loader.load();
        }

        public esm2j_matmul_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native @Const Pointer x(); public native esm2j_matmul_params x(@Const Pointer x);
        public native @Const Pointer w(); public native esm2j_matmul_params w(@Const Pointer w);
        public native Pointer y(); public native esm2j_matmul_params y(Pointer y);
        public native @Const FloatPointer bias(); public native esm2j_matmul_params bias(@Const FloatPointer bias);
        public native long rows(); public native esm2j_matmul_params rows(long rows);
        public native long in(); public native esm2j_matmul_params in(long in);
        public native long out(); public native esm2j_matmul_params out(long out);
        public native long x_row_stride(); public native esm2j_matmul_params x_row_stride(long stride);
        public native long w_row_stride(); public native esm2j_matmul_params w_row_stride(long stride);
        public native long y_row_stride(); public native esm2j_matmul_params y_row_stride(long stride);
        public native int in_dtype(); public native esm2j_matmul_params in_dtype(int dtype);
        public native int y_dtype(); public native esm2j_matmul_params y_dtype(int dtype);
        public native int gelu(); public native esm2j_matmul_params gelu(int gelu);
        public native int accumulate(); public native esm2j_matmul_params accumulate(int accumulate);
        public native @Cast("cudaStream_t") Pointer stream(); public native esm2j_matmul_params stream(@Cast("cudaStream_t") Pointer stream);
    }

    @Name("esm2j_log_softmax_params")
    public static final class esm2j_log_softmax_params extends Pointer {
        static {
            Loader.load();
        }

        public esm2j_log_softmax_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native @Const FloatPointer x(); public native esm2j_log_softmax_params x(@Const FloatPointer x);
        public native FloatPointer out(); public native esm2j_log_softmax_params out(FloatPointer out);
        public native long rows(); public native esm2j_log_softmax_params rows(long rows);
        public native long cols(); public native esm2j_log_softmax_params cols(long cols);
        public native long x_row_stride(); public native esm2j_log_softmax_params x_row_stride(long stride);
        public native long out_row_stride(); public native esm2j_log_softmax_params out_row_stride(long stride);
        public native @Cast("cudaStream_t") Pointer stream(); public native esm2j_log_softmax_params stream(@Cast("cudaStream_t") Pointer stream);
    }

    @Name("esm2j_contact_head_params")
    public static final class esm2j_contact_head_params extends Pointer {
        static {
            Loader.load();
        }

        public esm2j_contact_head_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native @Const FloatPointer probs(); public native esm2j_contact_head_params probs(@Const FloatPointer probs);
        public native @Cast("const int64_t*") LongPointer probs_offsets(); public native esm2j_contact_head_params probs_offsets(@Cast("const int64_t*") LongPointer offsets);
        public native @Const IntPointer cu_seqlens(); public native esm2j_contact_head_params cu_seqlens(@Const IntPointer cuSeqlens);
        public native @Const IntPointer tokens(); public native esm2j_contact_head_params tokens(@Const IntPointer tokens);
        public native @Const FloatPointer weight(); public native esm2j_contact_head_params weight(@Const FloatPointer weight);
        public native FloatPointer logits(); public native esm2j_contact_head_params logits(FloatPointer logits);
        public native @Cast("const int64_t*") LongPointer contact_offsets(); public native esm2j_contact_head_params contact_offsets(@Cast("const int64_t*") LongPointer offsets);
        public native FloatPointer row_sum_workspace(); public native esm2j_contact_head_params row_sum_workspace(FloatPointer workspace);
        public native long total_tokens(); public native esm2j_contact_head_params total_tokens(long tokens);
        public native long num_seqs(); public native esm2j_contact_head_params num_seqs(long seqs);
        public native long heads(); public native esm2j_contact_head_params heads(long heads);
        public native long max_seqlen(); public native esm2j_contact_head_params max_seqlen(long maxSeqlen);
        public native int eos_token(); public native esm2j_contact_head_params eos_token(int token);
        public native int accumulate(); public native esm2j_contact_head_params accumulate(int accumulate);
        public native @Cast("cudaStream_t") Pointer stream(); public native esm2j_contact_head_params stream(@Cast("cudaStream_t") Pointer stream);
    }

    @Name("esm2j_contact_head_finish_params")
    public static final class esm2j_contact_head_finish_params extends Pointer {
        static {
            Loader.load();
        }

        public esm2j_contact_head_finish_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native FloatPointer logits(); public native esm2j_contact_head_finish_params logits(FloatPointer logits);
        public native long count(); public native esm2j_contact_head_finish_params count(long count);
        public native float bias(); public native esm2j_contact_head_finish_params bias(float bias);
        public native @Cast("cudaStream_t") Pointer stream(); public native esm2j_contact_head_finish_params stream(@Cast("cudaStream_t") Pointer stream);
    }

    @Name("esm2j_fill_random_params")
    public static final class esm2j_fill_random_params extends Pointer {
        static {
            Loader.load();
        }

        public esm2j_fill_random_params() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        public native Pointer x(); public native esm2j_fill_random_params x(Pointer x);
        public native long count(); public native esm2j_fill_random_params count(long count);
        public native @Cast("uint64_t") long seed(); public native esm2j_fill_random_params seed(@Cast("uint64_t") long seed);
        public native float scale(); public native esm2j_fill_random_params scale(float scale);
        public native int dtype(); public native esm2j_fill_random_params dtype(int dtype);
        public native @Cast("cudaStream_t") Pointer stream(); public native esm2j_fill_random_params stream(@Cast("cudaStream_t") Pointer stream);
    }
}
