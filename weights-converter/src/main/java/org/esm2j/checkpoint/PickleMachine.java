package org.esm2j.checkpoint;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.esm2j.CheckpointException;
import org.esm2j.tensor.DType;

/**
 * A restricted pickle interpreter for what {@code torch.save} writes (protocol 2, plus the protocol-4 framing and
 * memo opcodes). Nothing in the pickle is ever executed: GLOBAL may only name the few classes and functions a state
 * dict needs ({@link Callable}), anything else is refused by name before a single object is built. Values are plain
 * Java objects: dict -> {@link LinkedHashMap}, list -> {@link ArrayList}, tuple -> {@link Tuple}, int -> {@link Long}
 * (or {@link BigInteger}), float -> {@link Double}, str -> {@link String}, bytes -> byte[], None -> null,
 * {@code argparse.Namespace} -> {@link Namespace}. Tensors and storages come from a {@link TorchObjects} callback.
 * Memory is bounded by the input: every length is checked against the bytes that remain, and the stack and memo have
 * fixed caps.
 */
final class PickleMachine {
    static final int MAX_STACK = 1 << 20;
    static final int MAX_MEMO = 1 << 20;
    /** The opcode that opens every pickle of protocol 2 and later. */
    static final int PROTO = 0x80;
    private static final int MAX_GLOBAL_NAME = 256;

    /** A Python tuple (immutable; may hold null). */
    record Tuple(List<Object> items) {
        Tuple {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    /** {@code argparse.Namespace}: an attribute bag. */
    static final class Namespace {
        final Map<String, Object> attributes = new LinkedHashMap<>();
    }

    /** The only globals a pickle may name. */
    enum Callable {
        ORDERED_DICT, NAMESPACE, REBUILD_TENSOR_V2, REBUILD_PARAMETER
    }

    /** A torch storage class ({@code torch.FloatStorage} ...), used as data inside persistent ids. */
    record StorageType(String className, DType dtype) {
    }

    /** What the torch-specific parts of a pickle turn into. */
    interface TorchObjects {
        /** Resolves a persistent id ({@code ('storage', StorageType, key, location, numel)}) to a storage. */
        Object persistentLoad(Object pid);

        /** {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, meta])}. */
        Object rebuildTensor(Tuple args);
    }

    private static final Map<String, Object> ALLOWED_GLOBALS = allowedGlobals();

    private static Map<String, Object> allowedGlobals() {
        Map<String, Object> m = new HashMap<>();
        m.put("collections.OrderedDict", Callable.ORDERED_DICT);
        m.put("argparse.Namespace", Callable.NAMESPACE);
        m.put("torch._utils._rebuild_tensor_v2", Callable.REBUILD_TENSOR_V2);
        m.put("torch._utils._rebuild_parameter", Callable.REBUILD_PARAMETER);
        Object[][] storages = {
            {"FloatStorage", DType.F32}, {"HalfStorage", DType.F16}, {"BFloat16Storage", DType.BF16},
            {"DoubleStorage", DType.F64}, {"LongStorage", DType.I64}, {"IntStorage", DType.I32},
            {"ShortStorage", DType.I16}, {"CharStorage", DType.I8}, {"ByteStorage", DType.U8},
            {"BoolStorage", DType.BOOL},
        };
        for (Object[] s : storages) {
            String name = "torch." + s[0];
            m.put(name, new StorageType(name, (DType) s[1]));
        }
        return Collections.unmodifiableMap(m);
    }

    private static final Object MARK = new Object();

    private final byte[] code;
    private final String source;
    private final TorchObjects torch;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int pos;
    private int opStart;

    private PickleMachine(byte[] code, String source, TorchObjects torch) {
        this.code = code;
        this.source = source;
        this.torch = torch;
    }

    /** Runs the pickle to its STOP and returns the top-level object. */
    static Object load(byte[] pickle, String source, TorchObjects torch) {
        return new PickleMachine(pickle, source, torch).run();
    }

    private Object run() {
        while (true) {
            opStart = pos;
            int op = u8();
            switch (op) {
                case PROTO:
                    int proto = u8();
                    if (proto > 5) {
                        throw error("unsupported pickle protocol " + proto);
                    }
                    break;
                case 0x95: // FRAME: an 8-byte length, only a hint for buffered readers
                    skip(8);
                    break;
                case '.': // STOP
                    Object result = pop();
                    if (!stack.isEmpty() || !marks.isEmpty()) {
                        throw error("STOP with " + stack.size() + " values left on the stack");
                    }
                    return result;
                case '(': // MARK
                    if (marks.size() >= MAX_STACK) {
                        throw error("too many marks");
                    }
                    marks.add(stack.size());
                    break;
                case '}': push(new LinkedHashMap<Object, Object>()); break;
                case ']': push(new ArrayList<Object>()); break;
                case ')': push(new Tuple(List.of())); break;
                case 'N': push(null); break;
                case 0x88: push(Boolean.TRUE); break;
                case 0x89: push(Boolean.FALSE); break;
                case 'K': push((long) u8()); break; // BININT1
                case 'M': push((long) (u8() | u8() << 8)); break; // BININT2
                case 'J': push((long) i32()); break; // BININT
                case 0x8a: push(longValue(u8())); break; // LONG1
                case 0x8b: push(longValue(length(i32()))); break; // LONG4
                case 'G': push(Double.longBitsToDouble(bigEndianLong())); break; // BINFLOAT
                case 'X': push(string(length(i32()))); break; // BINUNICODE
                case 0x8c: push(string(u8())); break; // SHORT_BINUNICODE
                case 0x8d: push(string(length(i64()))); break; // BINUNICODE8
                case 'T': push(latin1(length(i32()))); break; // BINSTRING (Python 2 str)
                case 'U': push(latin1(u8())); break; // SHORT_BINSTRING
                case 'B': push(bytes(length(i32()))); break; // BINBYTES
                case 'C': push(bytes(u8())); break; // SHORT_BINBYTES
                case 0x85: push(new Tuple(popN(1))); break; // TUPLE1
                case 0x86: push(new Tuple(popN(2))); break; // TUPLE2
                case 0x87: push(new Tuple(popN(3))); break; // TUPLE3
                case 't': push(new Tuple(popToMark())); break; // TUPLE
                case 'l': push(new ArrayList<>(popToMark())); break; // LIST
                case 'd': { // DICT
                    List<Object> items = popToMark();
                    Map<Object, Object> d = new LinkedHashMap<>();
                    setItems(d, items);
                    push(d);
                    break;
                }
                case 's': { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    setItems(peekDict(), Arrays.asList(key, value));
                    break;
                }
                case 'u': { // SETITEMS
                    List<Object> items = popToMark();
                    setItems(peekDict(), items);
                    break;
                }
                case 'a': { // APPEND
                    Object value = pop();
                    peekList().add(value);
                    break;
                }
                case 'e': { // APPENDS
                    List<Object> items = popToMark();
                    peekList().addAll(items);
                    break;
                }
                case '0': pop(); break; // POP
                case '1': popToMark(); break; // POP_MARK
                case '2': push(peek()); break; // DUP
                case 'q': memoPut(u8()); break; // BINPUT
                case 'r': memoPut(i32() & 0xffffffffL); break; // LONG_BINPUT
                case 0x94: memoPut(memo.size()); break; // MEMOIZE
                case 'h': push(memoGet(u8())); break; // BINGET
                case 'j': push(memoGet(i32() & 0xffffffffL)); break; // LONG_BINGET
                case 'c': { // GLOBAL "module\nname\n"
                    String module = line();
                    String name = line();
                    push(resolveGlobal(module, name));
                    break;
                }
                case 0x93: { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String) || !(name instanceof String)) {
                        throw error("STACK_GLOBAL needs two strings");
                    }
                    push(resolveGlobal((String) module, (String) name));
                    break;
                }
                case 'R': { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(call(callable, args));
                    break;
                }
                case 0x81: { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    if (cls != Callable.NAMESPACE || !(args instanceof Tuple) || ((Tuple) args).size() != 0) {
                        throw error("NEWOBJ is only allowed for argparse.Namespace()");
                    }
                    push(new Namespace());
                    break;
                }
                case 'b': { // BUILD
                    Object state = pop();
                    build(peek(), state);
                    break;
                }
                case 'Q': // BINPERSID
                    push(torch.persistentLoad(pop()));
                    break;
                default:
                    throw error(String.format("unsupported pickle opcode 0x%02x", op));
            }
        }
    }

    private Object resolveGlobal(String module, String name) {
        Object g = ALLOWED_GLOBALS.get(module + "." + name);
        if (g == null) {
            throw error("forbidden global '" + module + "." + name + "' (only state-dict types may appear in a"
                    + " checkpoint; nothing was executed)");
        }
        return g;
    }

    private Object call(Object callable, Object args) {
        if (!(callable instanceof Callable)) {
            throw error("REDUCE on a " + typeName(callable) + ", which is not callable");
        }
        if (!(args instanceof Tuple)) {
            throw error("REDUCE arguments are a " + typeName(args) + ", not a tuple");
        }
        Tuple t = (Tuple) args;
        switch ((Callable) callable) {
            case ORDERED_DICT:
                if (t.size() != 0) {
                    throw error("OrderedDict(...) with arguments is not supported");
                }
                return new LinkedHashMap<Object, Object>();
            case NAMESPACE:
                if (t.size() != 0) {
                    throw error("argparse.Namespace(...) with arguments is not supported");
                }
                return new Namespace();
            case REBUILD_TENSOR_V2:
                return torch.rebuildTensor(t);
            case REBUILD_PARAMETER:
                if (t.size() < 1) {
                    throw error("_rebuild_parameter needs a tensor");
                }
                return t.get(0); // a Parameter is its tensor; requires_grad and hooks do not matter here
            default:
                throw error("unhandled callable " + callable);
        }
    }

    private void build(Object target, Object state) {
        if (target instanceof Namespace) {
            if (!(state instanceof Map)) {
                throw error("Namespace state is a " + typeName(state) + ", not a dict");
            }
            for (Map.Entry<?, ?> e : ((Map<?, ?>) state).entrySet()) {
                if (!(e.getKey() instanceof String)) {
                    throw error("Namespace attribute name is a " + typeName(e.getKey()));
                }
                ((Namespace) target).attributes.put((String) e.getKey(), e.getValue());
            }
            return;
        }
        if (target instanceof Map) {
            return; // a state dict's attributes (its _metadata with module versions) are not needed
        }
        throw error("BUILD on a " + typeName(target) + " is not supported");
    }

    private void setItems(Map<Object, Object> d, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw error("odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            Object key = items.get(i);
            Object value = items.get(i + 1);
            if (!(key == null || key instanceof String || key instanceof Long || key instanceof Boolean
                    || key instanceof Double)) {
                throw error("unsupported dict key of type " + typeName(key));
            }
            d.put(key, value);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> peekDict() {
        Object top = peek();
        if (!(top instanceof Map)) {
            throw error("SETITEM on a " + typeName(top) + ", not a dict");
        }
        return (Map<Object, Object>) top;
    }

    @SuppressWarnings("unchecked")
    private List<Object> peekList() {
        Object top = peek();
        if (!(top instanceof ArrayList)) {
            throw error("APPEND on a " + typeName(top) + ", not a list");
        }
        return (List<Object>) top;
    }

    // --- stack and memo

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) {
            throw error("pickle stack deeper than " + MAX_STACK);
        }
        stack.add(o);
    }

    private Object pop() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw error("stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw error("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popN(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        return Arrays.asList(items);
    }

    private List<Object> popToMark() {
        if (marks.isEmpty()) {
            throw error("no MARK on the stack");
        }
        int mark = marks.remove(marks.size() - 1);
        List<Object> sub = stack.subList(mark, stack.size());
        List<Object> items = new ArrayList<>(sub);
        sub.clear();
        return items;
    }

    private void memoPut(long index) {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) {
            throw error("pickle memo larger than " + MAX_MEMO);
        }
        memo.put(index, peek());
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) {
            throw error("memo entry " + index + " is not defined");
        }
        return memo.get(index);
    }

    // --- reading

    private int u8() {
        if (pos >= code.length) {
            throw error("truncated pickle");
        }
        return code[pos++] & 0xff;
    }

    private int i32() {
        return u8() | u8() << 8 | u8() << 16 | u8() << 24;
    }

    private long i64() {
        return (i32() & 0xffffffffL) | (long) i32() << 32;
    }

    private long bigEndianLong() {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | u8();
        }
        return v;
    }

    private void skip(int n) {
        length(n);
        pos += n;
    }

    /** A length read from the pickle, refused unless that many bytes remain. */
    private int length(long n) {
        if (n < 0 || n > code.length - pos) {
            throw error("length " + n + " runs past the end of the pickle");
        }
        return (int) n;
    }

    private String string(int n) {
        length(n);
        String s = new String(code, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    private String latin1(int n) {
        length(n);
        String s = new String(code, pos, n, StandardCharsets.ISO_8859_1);
        pos += n;
        return s;
    }

    private byte[] bytes(int n) {
        length(n);
        byte[] b = Arrays.copyOfRange(code, pos, pos + n);
        pos += n;
        return b;
    }

    /** Little-endian two's-complement integer of n bytes (LONG1/LONG4). */
    private Object longValue(int n) {
        length(n);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = code[pos + n - 1 - i];
        }
        pos += n;
        if (n == 0) {
            return 0L;
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String line() {
        int start = pos;
        while (pos < code.length && code[pos] != '\n') {
            if (pos - start > MAX_GLOBAL_NAME) {
                throw error("GLOBAL name longer than " + MAX_GLOBAL_NAME + " bytes");
            }
            pos++;
        }
        if (pos >= code.length) {
            throw error("truncated GLOBAL");
        }
        String s = new String(code, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    static String typeName(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Tuple) {
            return "tuple";
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof List) {
            return "list";
        }
        if (o instanceof String) {
            return "str";
        }
        if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        }
        return o.getClass().getSimpleName();
    }

    private CheckpointException error(String what) {
        return new CheckpointException(source + " at byte " + opStart + ": " + what);
    }
}
