package org.esm2j.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.esm2j.CheckpointException;
import org.esm2j.tensor.DType;
import org.esm2j.tensor.Tensor;

/**
 * Reads a {@code torch.save} file (zip container, any archive root name) into Java objects: the pickle in
 * {@code <root>/data.pkl} runs in {@link PickleMachine}, storages come from {@code <root>/data/<key>} (mapped, shared
 * between tensors that share them, such as the tied embedding), and tensors are views of them at any offset and
 * stride (non-contiguous ones are copied into row-major order).
 */
final class TorchCheckpointFile implements PickleMachine.TorchObjects {
    /** data.pkl of a state dict is kilobytes; this only keeps a corrupt size from allocating gigabytes. */
    private static final long MAX_PICKLE_BYTES = 1L << 30;

    private record Storage(DType dtype, long numel, ByteBuffer bytes) {
    }

    private final TorchZipArchive archive;
    private final String root;
    private final Map<String, Storage> storages = new HashMap<>();

    private TorchCheckpointFile(TorchZipArchive archive, String root) {
        this.archive = archive;
        this.root = root;
    }

    /** The top-level object that {@code torch.load} would return (tensors as {@link Tensor}). */
    static Object read(Path file) {
        try (TorchZipArchive archive = TorchZipArchive.open(file)) {
            String root = archiveRoot(archive);
            checkByteOrder(archive, root);
            String pickleName = root + "/data.pkl";
            if (archive.size(pickleName) > MAX_PICKLE_BYTES) {
                throw new CheckpointException(pickleName + " is implausibly large (" + archive.size(pickleName)
                        + " bytes)");
            }
            ByteBuffer pkl = archive.read(pickleName);
            byte[] code = new byte[pkl.remaining()];
            pkl.get(code);
            requirePickleProtocolMarker(code, pickleName);
            return PickleMachine.load(code, pickleName, new TorchCheckpointFile(archive, root));
        }
    }

    /**
     * torch.save writes pickle protocol 2 or later, which always opens with the PROTO opcode (0x80). Anything else is
     * some other zip that happens to hold a data.pkl; saying so beats the pickle machine's first unknown opcode.
     */
    private static void requirePickleProtocolMarker(byte[] code, String pickleName) {
        if (code.length < 2 || (code[0] & 0xff) != PickleMachine.PROTO) {
            StringBuilder start = new StringBuilder();
            for (int i = 0; i < Math.min(4, code.length); i++) {
                start.append(String.format("%02x ", code[i] & 0xff));
            }
            throw new CheckpointException("not a PyTorch checkpoint: " + pickleName + " is not a pickle written by "
                    + "torch.save (which starts with the protocol marker 80, found "
                    + (code.length == 0 ? "an empty entry" : start.toString().trim()) + ")");
        }
    }

    /** The one top-level folder holding data.pkl; torch names it after the file, but any name is accepted. */
    private static String archiveRoot(TorchZipArchive archive) {
        String root = null;
        for (String name : archive.names()) {
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash).equals("/data.pkl")) {
                if (root != null) {
                    throw new CheckpointException("zip holds more than one data.pkl ('" + root + "', '"
                            + name.substring(0, slash) + "')");
                }
                root = name.substring(0, slash);
            }
        }
        if (root == null) {
            throw new CheckpointException("zip has no <root>/data.pkl: not a torch.save checkpoint");
        }
        return root;
    }

    /** torch writes "little" or "big"; files from before byteorder existed are little-endian. */
    private static void checkByteOrder(TorchZipArchive archive, String root) {
        String name = root + "/byteorder";
        if (!archive.contains(name)) {
            return;
        }
        if (archive.size(name) > 16) {
            throw new CheckpointException(name + " is not a byte-order marker");
        }
        ByteBuffer b = archive.read(name);
        byte[] text = new byte[b.remaining()];
        b.get(text);
        String order = new String(text, StandardCharsets.US_ASCII).trim();
        if (!order.equals("little")) {
            throw new CheckpointException("byte order '" + order + "' is not supported; only little-endian "
                    + "checkpoints can be read");
        }
    }

    @Override
    public Object persistentLoad(Object pid) {
        if (!(pid instanceof PickleMachine.Tuple) || ((PickleMachine.Tuple) pid).size() != 5
                || !"storage".equals(((PickleMachine.Tuple) pid).get(0))) {
            throw new CheckpointException("persistent id is not ('storage', type, key, location, numel)");
        }
        PickleMachine.Tuple t = (PickleMachine.Tuple) pid;
        if (!(t.get(1) instanceof PickleMachine.StorageType) || !(t.get(2) instanceof String)
                || !(t.get(4) instanceof Long)) {
            throw new CheckpointException("malformed storage id for key " + t.get(2));
        }
        DType dtype = ((PickleMachine.StorageType) t.get(1)).dtype();
        String key = (String) t.get(2);
        long numel = (Long) t.get(4);
        Storage cached = storages.get(key);
        if (cached != null) {
            if (cached.dtype() != dtype || cached.numel() != numel) {
                throw new CheckpointException("storage " + key + " is referenced with two types");
            }
            return cached;
        }
        String entry = root + "/data/" + key;
        long entrySize = archive.size(entry);
        if (numel < 0 || numel > entrySize / dtype.byteSize()) {
            throw new CheckpointException("storage " + key + " claims " + numel + " " + dtype
                    + " elements but " + entry + " has " + entrySize + " bytes");
        }
        ByteBuffer bytes = archive.read(entry).slice(0, (int) (numel * dtype.byteSize()))
                .order(ByteOrder.LITTLE_ENDIAN);
        Storage s = new Storage(dtype, numel, bytes);
        storages.put(key, s);
        return s;
    }

    @Override
    public Object rebuildTensor(PickleMachine.Tuple args) {
        try {
            return rebuild(args);
        } catch (ArithmeticException e) {
            throw new CheckpointException("tensor size or stride overflows: " + e.getMessage(), e);
        }
    }

    private Tensor rebuild(PickleMachine.Tuple args) {
        if (args.size() < 4 || !(args.get(0) instanceof Storage) || !(args.get(1) instanceof Long)
                || !(args.get(2) instanceof PickleMachine.Tuple) || !(args.get(3) instanceof PickleMachine.Tuple)) {
            throw new CheckpointException("_rebuild_tensor_v2 needs (storage, offset, size, stride, ...)");
        }
        Storage storage = (Storage) args.get(0);
        long offset = (Long) args.get(1);
        long[] size = longs((PickleMachine.Tuple) args.get(2), "size");
        long[] stride = longs((PickleMachine.Tuple) args.get(3), "stride");
        if (size.length != stride.length) {
            throw new CheckpointException("tensor size " + Arrays.toString(size) + " and stride "
                    + Arrays.toString(stride) + " differ in rank");
        }
        long numel = 1;
        long lastIndex = offset;
        boolean contiguous = true;
        long expectedStride = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] < 0 || stride[d] < 0) {
                throw new CheckpointException("negative size or stride " + Arrays.toString(size) + " / "
                        + Arrays.toString(stride));
            }
            numel = size[d] == 0 ? 0 : Math.multiplyExact(numel, size[d]);
            if (size[d] > 0) {
                lastIndex = Math.addExact(lastIndex, Math.multiplyExact(size[d] - 1, stride[d]));
            }
            if (size[d] != 1 && stride[d] != expectedStride) {
                contiguous = false;
            }
            expectedStride = Math.multiplyExact(expectedStride, Math.max(size[d], 1));
        }
        if (numel == 0) {
            return new Tensor(storage.dtype(), size, ByteBuffer.allocate(0));
        }
        if (offset < 0 || lastIndex >= storage.numel()) {
            throw new CheckpointException("tensor of size " + Arrays.toString(size) + ", stride "
                    + Arrays.toString(stride) + " at offset " + offset + " reaches past its storage of "
                    + storage.numel() + " elements");
        }
        int es = storage.dtype().byteSize();
        if (contiguous) {
            return new Tensor(storage.dtype(), size,
                    storage.bytes().slice((int) (offset * es), (int) (numel * es)).order(ByteOrder.LITTLE_ENDIAN));
        }
        // A view that does not overlap itself has no more elements than its storage; more would be an expanded
        // (stride 0) tensor, which no checkpoint writer produces and which could ask for unbounded memory.
        if (numel > storage.numel()) {
            throw new CheckpointException("strided tensor of " + numel + " elements over a storage of "
                    + storage.numel() + " is not supported");
        }
        return new Tensor(storage.dtype(), size, gather(storage, offset, size, stride, (int) numel));
    }

    /** Copies a strided view into row-major order. */
    private static ByteBuffer gather(Storage storage, long offset, long[] size, long[] stride, int numel) {
        int es = storage.dtype().byteSize();
        ByteBuffer out = ByteBuffer.allocate(numel * es).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer src = storage.bytes();
        long[] index = new long[size.length];
        byte[] element = new byte[es];
        for (int n = 0; n < numel; n++) {
            long at = offset;
            for (int d = 0; d < size.length; d++) {
                at += index[d] * stride[d];
            }
            src.get((int) (at * es), element);
            out.put(element);
            for (int d = size.length - 1; d >= 0; d--) {
                if (++index[d] < size[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return out.flip();
    }

    private long[] longs(PickleMachine.Tuple t, String what) {
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long)) {
                throw new CheckpointException("tensor " + what + " holds a "
                        + PickleMachine.typeName(t.get(i)) + ", not an int");
            }
            out[i] = (Long) t.get(i);
        }
        return out;
    }

    /** The tensors of a top-level state dict (non-tensor entries are skipped). */
    static Map<String, Tensor> tensorsOf(Object stateDict, String what) {
        if (!(stateDict instanceof Map)) {
            throw new CheckpointException(what + " is a " + PickleMachine.typeName(stateDict) + ", not a state dict");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) stateDict).entrySet()) {
            if (e.getKey() instanceof String && e.getValue() instanceof Tensor) {
                out.put((String) e.getKey(), (Tensor) e.getValue());
            }
        }
        return out;
    }
}
