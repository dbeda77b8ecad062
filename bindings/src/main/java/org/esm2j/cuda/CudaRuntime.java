package org.esm2j.cuda;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.esm2j.InvalidInputException;
import org.esm2j.backend.Esm2Runtime;
import org.esm2j.backend.ForwardInputs;
import org.esm2j.data.Alphabet;
import org.esm2j.model.Esm2Config;
import org.esm2j.model.Esm2Weights;
import org.esm2j.model.ForwardRequest;
import org.esm2j.model.ForwardResult;
import org.esm2j.tensor.DType;

/**
 * The ESM-2 forward pass on one CUDA device, over packed batches, in the order of the CPU reference: embedding with
 * token dropout, then per layer LayerNorm, fused QKV GEMM, QKV epilogue (bias, q scaling, rotary), attention, out_proj
 * GEMM added onto the residual with its bias, LayerNorm, fc1 GEMM, bias-GELU, fc2 GEMM added onto the residual; the
 * final LayerNorm and the LM head (dense, bias-GELU, LayerNorm, tied embedding + bias). The residual stream, LayerNorm
 * statistics, softmax, logits and log-probabilities are fp32; GEMM operands are bf16 (or fp16). Everything runs on
 * one stream; host copies happen only for what the request asks for. Contacts are computed on the device layer by
 * layer, right after each layer's attention, from that layer's probabilities (fair-esm's contact head, fed one layer
 * at a time), so only one layer's maps are ever held and none reach the host unless attentions are requested.
 * One forward pass at a time: {@link #forward} is synchronized.
 */
final class CudaRuntime implements Esm2Runtime {
    private final Esm2Config config;
    private final DType dtype;
    private final Pointer stream;
    private final DeviceWeights weights;
    private final Gemm gemm;
    private final DeviceArena arena = new DeviceArena();
    private final DeviceContactHead contactHead; // null without contact-regression weights
    private final LaunchGraphs graphs;
    private final PinnedStaging staging = new PinnedStaging();
    private long graphBase; // the arena base address the graphs point into
    private boolean closed;

    CudaRuntime(Esm2Weights w, DType dtype) {
        this(w.config(), dtype, new DeviceWeights(w, dtype), w);
    }

    /**
     * A runtime over weights already on the device (e.g. {@link DeviceWeights#random}), without a contact head. It
     * owns them from here: they are closed with it, or at once if construction fails.
     */
    CudaRuntime(Esm2Config config, DType dtype, DeviceWeights weights) {
        this(config, dtype, weights, null);
    }

    /** @param contactSource the checkpoint whose contact regression is uploaded, or null for none */
    private CudaRuntime(Esm2Config config, DType dtype, DeviceWeights weights, Esm2Weights contactSource) {
        this.config = config;
        this.dtype = dtype;
        this.weights = weights;
        Pointer createdStream = null;
        DeviceContactHead uploadedContactHead = null;
        try {
            createdStream = CudaDevice.createStream();
            uploadedContactHead = contactSource != null ? DeviceContactHead.upload(contactSource) : null;
            gemm = new Gemm(createdStream);
        } catch (RuntimeException e) {
            if (uploadedContactHead != null) {
                uploadedContactHead.close();
            }
            weights.close();
            if (createdStream != null) {
                Esm2jCuda.esm2j_stream_destroy(createdStream);
            }
            throw e;
        }
        stream = createdStream;
        graphs = new LaunchGraphs(stream);
        contactHead = uploadedContactHead;
    }

    @Override
    public Esm2Config config() {
        return config;
    }

    DType dtype() {
        return dtype;
    }

    /** Device bytes this runtime has held at most: weights, cuBLASLt workspace and the arena's largest bucket. */
    synchronized long peakDeviceBytes() {
        return weightBytes() + gemm.workspaceBytes() + arena.peakCapacityBytes();
    }

    private long weightBytes() {
        return weights.bytes() + (contactHead != null ? contactHead.bytes() : 0);
    }

    /** The matmul implementation chosen per GEMM shape so far, with both measured times. */
    synchronized List<Gemm.Selection> matmulSelections() {
        return gemm.selections();
    }

    /** CUDA graphs currently held (launch sequences captured for replay). */
    synchronized int cachedGraphs() {
        return graphs.size();
    }

    /** Gives the activation arena back to the device; the next forward pass allocates it again. */
    synchronized void releaseActivations() {
        graphs.clear();
        arena.release();
        staging.release();
    }

    @Override
    public synchronized ForwardResult forward(List<int[]> tokens, ForwardRequest request) {
        if (closed) {
            throw new IllegalStateException("this CUDA runtime is closed");
        }
        ForwardInputs.checkRequest(request, config, contactHead != null);
        PackedBatch batch = PackedBatch.pack(tokens, config, request.contacts());
        boolean keepProbs = request.attentions() || request.contacts();
        if (request.attentions()) {
            checkAttentionMapSizes(batch);
        }
        ActivationLayout layout = ActivationLayout.of(config, dtype, batch.totalTokens(), batch.numSeqs(),
                keepProbs ? batch.probsPerLayer() : 0, weights.logitColumns,
                request.contacts() ? batch.contactCount() : 0);
        try {
            return run(batch, request, layout, keepProbs);
        } catch (DeviceOutOfMemoryException e) {
            recoverFromOutOfMemory();
            throw new DeviceOutOfMemoryException(outOfMemoryMessage(batch.totalTokens(), batch.numSeqs(),
                    layout.totalBytes(), weightBytes(), e.getMessage()));
        }
    }

    static String outOfMemoryMessage(long tokens, long sequences, long activationBytes, long weightBytes,
            String cause) {
        return String.format("CUDA device out of memory for a batch of %d tokens in %d sequences (%.1f MiB of "
                + "activations beside %.1f MiB of weights): %s. Use a smaller --toks-per-batch (or fewer/shorter "
                + "sequences per forward call); the model stays loaded and usable.", tokens, sequences,
                activationBytes / 1048576.0, weightBytes / 1048576.0, cause);
    }

    private void recoverFromOutOfMemory() {
        Esm2jCuda.esm2j_stream_synchronize(stream);
        CudaDevice.clearError();
        graphs.clear();
        arena.release();
    }

    private void checkAttentionMapSizes(PackedBatch batch) {
        long perSquare = (long) config.numLayers() * config.attentionHeads();
        for (int b = 0; b < batch.numSeqs(); b++) {
            long size = perSquare * batch.length(b) * batch.length(b);
            if (size > Integer.MAX_VALUE - 8) {
                throw new InvalidInputException("sequence " + b + " of " + batch.length(b) + " tokens is too long to "
                        + "return attention maps: " + size + " values exceed a Java array");
            }
        }
    }

    /**
     * Device buffers of one forward pass, carved from the arena by its {@link ActivationLayout}; the attention maps'
     * and contacts' buffers are null when the pass does not use them. They die with the arena's block.
     */
    private record PassBuffers(DeviceBuffer tokens, DeviceBuffer cuSeqlens, DeviceBuffer seqDivisors,
            DeviceBuffer probs, DeviceBuffer probsOffsets, DeviceBuffer contactLogits, DeviceBuffer contactOffsets,
            DeviceBuffer contactRowSums, DeviceBuffer residual, DeviceBuffer normed, DeviceBuffer qkv, DeviceBuffer q,
            DeviceBuffer k, DeviceBuffer v, DeviceBuffer attnOut, DeviceBuffer hidden, DeviceBuffer logits) {

        static PassBuffers carve(DeviceBuffer arena, ActivationLayout at, boolean keepProbs, boolean contacts) {
            return new PassBuffers(at.tokens().in(arena, "token ids"), at.cuSeqlens().in(arena, "sequence offsets"),
                    at.seqDivisors().in(arena, "token-dropout divisors"),
                    keepProbs ? at.probs().in(arena, "attention maps") : null,
                    keepProbs ? at.probsOffsets().in(arena, "attention-map offsets") : null,
                    contacts ? at.contacts().in(arena, "contact logits") : null,
                    contacts ? at.contactOffsets().in(arena, "contact offsets") : null,
                    contacts ? at.contactRowSums().in(arena, "contact row sums") : null,
                    at.residual().in(arena, "residual stream"), at.normed().in(arena, "normalised activations"),
                    at.qkv().in(arena, "fused q/k/v projection"), at.q().in(arena, "q"), at.k().in(arena, "k"),
                    at.v().in(arena, "v"), at.attnOut().in(arena, "attention output"),
                    at.hidden().in(arena, "hidden activations"), at.logits().in(arena, "logits"));
        }
    }

    /**
     * What a forward pass's device work depends on besides device-resident data (token ids, offsets): the launch
     * sequence of a CUDA graph. The layout is part of it because the graph holds the buffers' addresses: batches of
     * equal token and sequence counts but other lengths place the attention maps' and contacts' buffers elsewhere (their
     * sizes follow the sum of squared lengths). The arena's base address is not part of it because graphs are dropped
     * when it moves.
     */
    record LaunchShape(ActivationLayout layout, int tokens, int sequences, int maxSeqlen, boolean contacts,
            boolean finalRepresentation, boolean lmHead) {}

    /** Host-side steps between the kernels of an eager pass: copies of intermediate results. */
    private interface PassObserver {
        void afterAttention(int layer);

        /** {@code layer} in 0..L-1: the residual stream now holds the representation after that many layers. */
        void representation(int layer);
    }

    private ForwardResult run(PackedBatch batch, ForwardRequest request, ActivationLayout at, boolean keepProbs) {
        DeviceBuffer block = arena.ensure(at.totalBytes());
        long base = block.address();
        if (base != graphBase) {
            graphs.clear(); // their pointers lead into the old arena
            graphBase = base;
        }
        int numLayers = config.numLayers();
        // The layout holds contact buffers only when some sequence has residues (a batch of <cls><eos> has none).
        boolean contacts = request.contacts() && batch.contactCount() > 0;
        PassBuffers buffers = PassBuffers.carve(block, at, keepProbs, contacts);
        uploadInputs(batch, buffers, keepProbs, contacts);
        boolean finalRepresentation = request.representationLayers().contains(numLayers);
        boolean midPassCopies = request.attentions()
                || request.representationLayers().stream().anyMatch(layer -> layer < numLayers);
        Map<Integer, float[][]> reps = new LinkedHashMap<>();
        FloatPointer hostProbs = request.attentions() ? new FloatPointer(numLayers * batch.probsPerLayer()) : null;
        try {
            if (midPassCopies) {
                PassObserver observer = new PassObserver() {
                    @Override
                    public void afterAttention(int layer) {
                        if (request.attentions()) {
                            long count = batch.probsPerLayer();
                            long host = elementAddress(hostProbs, layer * count).address();
                            CudaDevice.downloadAsync(host, buffers.probs(), count * Float.BYTES, stream,
                                    "attention maps");
                        }
                    }

                    @Override
                    public void representation(int layer) {
                        if (request.representationLayers().contains(layer)) {
                            reps.put(layer, downloadRepresentation(batch, buffers.residual()));
                        }
                    }
                };
                enqueuePass(batch, buffers, contacts, finalRepresentation, request.lmHead(), observer);
            } else {
                LaunchShape shape = new LaunchShape(at, batch.totalTokens(), batch.numSeqs(), batch.maxSeqlen(),
                        contacts, finalRepresentation, request.lmHead());
                graphs.run(shape, () -> enqueuePass(batch, buffers, contacts, finalRepresentation,
                        request.lmHead(), null));
            }
            if (finalRepresentation) {
                reps.put(numLayers, downloadRepresentation(batch, buffers.residual()));
            }
            float[][] logits = null;
            float[][] logProbabilities = null;
            if (request.logits()) {
                logits = downloadRows(batch, buffers.logits());
            }
            if (request.logProbabilities()) {
                // In place: the stream orders this after the logits' copy to the host, so no second buffer.
                logSoftmaxInPlace(batch, buffers.logits());
                logProbabilities = downloadRows(batch, buffers.logits());
            }
            float[][] contactMaps = request.contacts() ? contacts(batch, buffers.contactLogits()) : null;
            CudaDevice.synchronize(stream, "the forward pass");
            float[][] attentions = request.attentions() ? attentionMaps(batch, hostProbs) : null;
            return new ForwardResult(batch.lengths(), logits, logProbabilities, reps, attentions, contactMaps);
        } finally {
            if (hostProbs != null) {
                hostProbs.close();
            }
        }
    }

    /**
     * Enqueues the device work of a forward pass: embedding, every layer (with the contact head when asked), the
     * final LayerNorm (also in place on the residual stream when the last representation is asked for) and the LM
     * head's logits. With a null observer nothing here touches the host, so the sequence can be captured in a graph.
     */
    private void enqueuePass(PackedBatch batch, PassBuffers p, boolean contacts, boolean finalRepresentation,
            boolean lmHead, PassObserver observer) {
        int n = batch.totalTokens();
        int numSeqs = batch.numSeqs();
        int d = config.embedDim();
        int ffn = config.ffnDim();
        int heads = config.attentionHeads();
        int headDim = config.headDim();
        int numLayers = config.numLayers();
        float eps = (float) config.layerNormEps();
        DeviceMatrix residual = p.residual().matrix(n, d);
        DeviceMatrix normed = p.normed().matrix(n, d);
        DeviceMatrix qkv = p.qkv().matrix(n, 3L * d);
        IntPointer tokens = p.tokens().ints();
        IntPointer cuSeqlens = p.cuSeqlens().ints();
        FloatPointer probs = p.probs() != null ? p.probs().floats() : null;
        LongPointer probsOffsets = p.probsOffsets() != null ? p.probsOffsets().longs() : null;

        embed(tokens, cuSeqlens, numSeqs, residual, p.seqDivisors().floats());
        Gemm.Shape qkvShape = new Gemm.Shape(n, d, 3L * d, 3L * d, dtype, dtype, false, false);
        Gemm.Shape outShape = new Gemm.Shape(n, d, d, d, dtype, DType.F32, true, true);
        Gemm.Shape fc1Shape = new Gemm.Shape(n, d, ffn, ffn, dtype, dtype, true, false);
        Gemm.Shape fc2Shape = new Gemm.Shape(n, ffn, d, d, dtype, DType.F32, true, true);
        for (int l = 0; l < numLayers; l++) {
            if (observer != null) {
                observer.representation(l);
            }
            DeviceWeights.Layer w = weights.layers[l];
            CudaKernels.layerNorm(residual, normed, w.attnNormGain().floats(), w.attnNormBias().floats(), null, null,
                    eps, stream);
            gemm.linear(p.normed(), w.qkvWeight(), p.qkv(), null, qkvShape);
            CudaKernels.qkvEpilogue(qkv, w.qkvBias().floats(), w.invFreq().floats(), cuSeqlens, numSeqs, heads,
                    headDim, (float) (1 / Math.sqrt(headDim)), p.q().pointer(), p.k().pointer(), p.v().pointer(),
                    dtype, stream);
            CudaKernels.attention(p.q().pointer(), p.k().pointer(), p.v().pointer(), dtype, (long) heads * headDim,
                    headDim, p.attnOut().pointer(), d, cuSeqlens, numSeqs, n, heads, headDim, batch.maxSeqlen(), 1f,
                    probs, probsOffsets, stream);
            if (contacts) {
                CudaKernels.contactHeadAccumulate(probs, probsOffsets, cuSeqlens, tokens, numSeqs, n, heads,
                        batch.maxSeqlen(), contactHead.layerWeight(l), p.contactLogits().floats(),
                        p.contactOffsets().longs(), p.contactRowSums().floats(), Alphabet.EOS, l > 0, stream);
            }
            if (observer != null) {
                observer.afterAttention(l);
            }
            gemm.linear(p.attnOut(), w.outWeight(), p.residual(), w.outBias(), outShape);
            CudaKernels.layerNorm(residual, normed, w.ffnNormGain().floats(), w.ffnNormBias().floats(), null, null,
                    eps, stream);
            gemm.linearGelu(p.normed(), w.fc1Weight(), p.hidden(), w.fc1Bias(), fc1Shape);
            gemm.linear(p.hidden(), w.fc2Weight(), p.residual(), w.fc2Bias(), fc2Shape);
        }
        FloatPointer finalNormGain = weights.finalNormGain.floats();
        FloatPointer finalNormBias = weights.finalNormBias.floats();
        CudaKernels.layerNorm(residual, normed, finalNormGain, finalNormBias, null, null, eps, stream);
        if (finalRepresentation) {
            // The last representation is the final LayerNorm's output; in fp32 it is computed once more in place.
            CudaKernels.layerNorm(residual, residual, finalNormGain, finalNormBias, null, null, eps, stream);
        }
        if (lmHead) {
            lmHead(n, p.normed(), p.hidden(), p.logits());
        }
    }

    /**
     * Token embedding with fair-esm's token dropout. Without token dropout the kernel's mask is pointed at
     * {@code <pad>}, which never occurs in a validated batch: no row is zeroed and the scale is exactly 1.
     */
    private void embed(IntPointer tokens, IntPointer cuSeqlens, int numSeqs, DeviceMatrix out, FloatPointer divisors) {
        DeviceMatrix table = weights.embedTable.matrix(config.vocabSize(), config.embedDim());
        boolean dropout = config.tokenDropout();
        CudaKernels.embedding(tokens, cuSeqlens, numSeqs, table, out, divisors, dropout ? Alphabet.MASK : Alphabet.PAD,
                Alphabet.PAD, dropout ? Esm2Config.TOKEN_DROPOUT_KEEP : 1f, stream);
    }

    /**
     * RobertaLMHead: dense with bias-GELU, LayerNorm, then the tied embedding with lm_head.bias into the fp32 logits,
     * (tokens, logitColumns) with the vocabulary in the first columns.
     */
    private void lmHead(int n, DeviceBuffer features, DeviceBuffer hidden, DeviceBuffer logits) {
        int d = config.embedDim();
        int columns = weights.logitColumns;
        gemm.linearGelu(features, weights.lmDenseWeight, hidden, weights.lmDenseBias,
                new Gemm.Shape(n, d, d, d, dtype, dtype, true, false));
        DeviceMatrix h = hidden.matrix(n, d);
        CudaKernels.layerNorm(h, h, weights.lmNormGain.floats(), weights.lmNormBias.floats(), null, null,
                (float) config.layerNormEps(), stream);
        gemm.linear(hidden, weights.lmOutWeight, logits, weights.lmOutBias,
                new Gemm.Shape(n, d, columns, columns, dtype, DType.F32, true, false));
    }

    /** Log-softmax over the vocabulary columns of each logit row (the padding columns stay out of the sum). */
    private void logSoftmaxInPlace(PackedBatch batch, DeviceBuffer logits) {
        DeviceMatrix rows = logits.matrix(batch.totalTokens(), config.vocabSize(), weights.logitColumns);
        CudaKernels.logSoftmax(rows, rows, stream);
    }

    /** Per-sequence (T_s, vocab) host copies of a (totalTokens, logitColumns) fp32 device buffer. */
    private float[][] downloadRows(PackedBatch batch, DeviceBuffer rows) {
        int columns = weights.logitColumns;
        return batch.split(download(rows, (long) batch.totalTokens() * columns), columns, config.vocabSize());
    }

    /** Per-sequence host copies of the fp32 residual stream (tokens, D). */
    private float[][] downloadRepresentation(PackedBatch batch, DeviceBuffer residual) {
        int d = config.embedDim();
        return batch.split(download(residual, (long) batch.totalTokens() * d), d, d);
    }

    /**
     * Copies the first {@code count} elements of fp32 device memory into a new array through the pinned staging
     * buffer; the copy is ordered after all work queued on the stream.
     */
    private float[] download(DeviceBuffer source, long count) {
        float[] out = new float[Math.toIntExact(count)];
        FloatPointer host = new FloatPointer(staging.ensure(count * Float.BYTES));
        CudaDevice.downloadAsync(host.address(), source.require(DType.F32), count * Float.BYTES, stream,
                "results to the host");
        CudaDevice.synchronize(stream, "a copy to the host");
        host.get(out);
        return out;
    }

    /**
     * Copies the batch's device-resident inputs (token ids, sequence offsets, and the attention-map and contact
     * offsets when used) through the pinned staging buffer, one region each, with one wait at the end: the staging
     * buffer is reused by the next copy, so these have to be finished.
     */
    private void uploadInputs(PackedBatch batch, PassBuffers buffers, boolean keepProbs, boolean contacts) {
        int[] tokens = batch.tokens();
        int[] cuSeqlens = batch.cuSeqlens();
        long[] probsOffsets = keepProbs ? batch.probsOffsets() : new long[0];
        long[] contactOffsets = contacts ? batch.contactOffsets() : new long[0];
        long cuSeqlensAt = align8((long) tokens.length * Integer.BYTES);
        long probsOffsetsAt = align8(cuSeqlensAt + (long) cuSeqlens.length * Integer.BYTES);
        long contactOffsetsAt = probsOffsetsAt + (long) probsOffsets.length * Long.BYTES;
        long host = staging.ensure(contactOffsetsAt + (long) contactOffsets.length * Long.BYTES).address();
        new IntPointer(CudaDevice.pointer(host)).put(tokens);
        new IntPointer(CudaDevice.pointer(host + cuSeqlensAt)).put(cuSeqlens);
        new LongPointer(CudaDevice.pointer(host + probsOffsetsAt)).put(probsOffsets);
        new LongPointer(CudaDevice.pointer(host + contactOffsetsAt)).put(contactOffsets);
        copyToDevice(buffers.tokens(), host, (long) tokens.length * Integer.BYTES, "token ids");
        copyToDevice(buffers.cuSeqlens(), host + cuSeqlensAt, (long) cuSeqlens.length * Integer.BYTES,
                "sequence offsets");
        if (keepProbs) {
            copyToDevice(buffers.probsOffsets(), host + probsOffsetsAt, (long) probsOffsets.length * Long.BYTES,
                    "attention-map offsets");
        }
        if (contacts) {
            copyToDevice(buffers.contactOffsets(), host + contactOffsetsAt,
                    (long) contactOffsets.length * Long.BYTES, "contact offsets");
        }
        CudaDevice.synchronize(stream, "the uploads");
    }

    private void copyToDevice(DeviceBuffer target, long host, long bytes, String what) {
        CudaDevice.uploadAsync(target, host, bytes, stream, what);
    }

    private static long align8(long bytes) {
        return (bytes + 7) & ~7L;
    }

    /** Regroups the layer-major host copy into (L, H, T_s, T_s) per sequence. */
    private float[][] attentionMaps(PackedBatch batch, FloatPointer hostProbs) {
        long[] offsets = batch.probsOffsets();
        int heads = config.attentionHeads();
        float[][] out = new float[batch.numSeqs()][];
        for (int b = 0; b < batch.numSeqs(); b++) {
            int block = heads * batch.length(b) * batch.length(b);
            float[] maps = new float[config.numLayers() * block];
            for (int l = 0; l < config.numLayers(); l++) {
                hostProbs.position(l * batch.probsPerLayer() + offsets[b]).get(maps, l * block, block);
            }
            out[b] = maps;
        }
        hostProbs.position(0);
        return out;
    }

    /** sigmoid(logits + bias) over the batch's accumulated contact logits, then per-sequence host copies. */
    private float[][] contacts(PackedBatch batch, DeviceBuffer contactLogits) {
        long count = batch.contactCount();
        if (count == 0) {
            return batch.splitContacts(new float[0]);
        }
        CudaKernels.contactHeadFinish(contactLogits.floats(), count, contactHead.bias(), stream);
        return batch.splitContacts(download(contactLogits, count));
    }

    /**
     * The address of element {@code index} of a host array, for a {@code void*} parameter such as cudaMemcpyAsync's:
     * JavaCPP adds a pointer's position() to a {@code void*} argument in bytes, not in elements.
     */
    static Pointer elementAddress(FloatPointer array, long index) {
        return CudaDevice.pointer(array.address() + index * Float.BYTES);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Esm2jCuda.esm2j_stream_synchronize(stream); // best effort: close() also runs after device failures
        graphs.close();
        staging.close();
        gemm.close();
        arena.close();
        weights.close();
        if (contactHead != null) {
            contactHead.close();
        }
        Esm2jCuda.esm2j_stream_destroy(stream);
    }
}
