package dev.amalgam.torchbin;

import dev.amalgam.BadInputException;
import dev.amalgam.torchbin.PickleValue.Global;
import dev.amalgam.torchbin.PickleValue.Storage;
import dev.amalgam.torchbin.PickleValue.TensorRef;
import dev.amalgam.torchbin.PickleValue.Tuple;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader for state dicts that executes nothing. It implements the opcodes {@code torch.save} writes
 * (protocols 2 to 4: containers, ints, strings, floats, memo, persistent ids, reduce) and knows a fixed set of globals
 * by name: {@code torch._utils._rebuild_tensor_v2} and {@code _rebuild_parameter} become {@link TensorRef}s,
 * {@code collections.OrderedDict} a map, {@code torch.*Storage} classes only name storage types. Any other global,
 * and any opcode that builds arbitrary objects (INST, OBJ, NEWOBJ, ...), is refused with the file, the byte offset
 * and the global's name, before anything could have been called: nothing here ever resolves a name to code.
 */
final class PickleMachine {
    static final Set<String> STORAGE_CLASSES = Set.of("DoubleStorage", "FloatStorage", "HalfStorage", "BFloat16Storage",
            "LongStorage", "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage");
    private static final Global REBUILD_TENSOR = new Global("torch._utils", "_rebuild_tensor_v2");
    private static final Global REBUILD_PARAMETER = new Global("torch._utils", "_rebuild_parameter");
    private static final Global ORDERED_DICT = new Global("collections", "OrderedDict");
    private static final Object MARK = new Object();
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE_BE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** Resolves a persistent id (torch's {@code ('storage', ...)} tuple) to a {@link Storage}. */
    interface PersistentLoad {
        Storage load(Tuple pid);
    }

    /** The unpickled object and the offset just past its STOP opcode. */
    record Result(Object value, long end) {
    }

    private final Path file;
    private final MemorySegment data;
    private final PersistentLoad persistentLoad;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private long pos;

    private PickleMachine(Path file, MemorySegment data, long start, PersistentLoad persistentLoad) {
        this.file = file;
        this.data = data;
        this.pos = start;
        this.persistentLoad = persistentLoad;
    }

    /** Reads one pickle of {@code data} starting at {@code start}. */
    static Result read(Path file, MemorySegment data, long start, PersistentLoad persistentLoad) {
        PickleMachine m = new PickleMachine(file, data, start, persistentLoad);
        Object value = m.run();
        return new Result(value, m.pos);
    }

    private Object run() {
        while (true) {
            long at = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> u8(); // PROTO n
                case 0x95 -> skip(8); // FRAME length (a hint for buffering)
                case '.' -> { // STOP
                    if (stack.size() != 1) {
                        throw bad(at, "pickle ends with " + stack.size() + " objects on the stack, expected 1");
                    }
                    return stack.getFirst();
                }
                case '(' -> stack.add(MARK);
                case '}' -> stack.add(new LinkedHashMap<>());
                case ']' -> stack.add(new ArrayList<>());
                case ')' -> stack.add(new Tuple(List.of()));
                case 't' -> stack.add(new Tuple(popMark(at)));
                case 0x85 -> stack.add(new Tuple(popN(1, at)));
                case 0x86 -> stack.add(new Tuple(popN(2, at)));
                case 0x87 -> stack.add(new Tuple(popN(3, at)));
                case 'q' -> memo.put((long) u8(), top(at));
                case 'r' -> memo.put(u32(), top(at));
                case 0x94 -> memo.put((long) memo.size(), top(at)); // MEMOIZE
                case 'h' -> stack.add(memoGet((long) u8(), at));
                case 'j' -> stack.add(memoGet(u32(), at));
                case 'J' -> stack.add((long) data.get(INT_LE, advance(4)));
                case 'K' -> stack.add((long) u8());
                case 'M' -> stack.add((long) (u8() | u8() << 8));
                case 0x8a -> stack.add(long1(u8()));
                case 'X' -> stack.add(string(u32()));
                case 0x8c -> stack.add(string(u8()));
                case 0x8d -> stack.add(string(data.get(LONG_LE, advance(8))));
                case 'G' -> stack.add(data.get(DOUBLE_BE, advance(8)));
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'N' -> stack.add(null);
                case 'c' -> stack.add(global(line(), line(), at));
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(at);
                    Object module = pop(at);
                    if (!(module instanceof String mod) || !(name instanceof String n)) {
                        throw bad(at, "STACK_GLOBAL needs two strings");
                    }
                    stack.add(global(mod, n, at));
                }
                case 'Q' -> { // BINPERSID
                    if (!(pop(at) instanceof Tuple pid)) {
                        throw bad(at, "persistent id is not a tuple");
                    }
                    stack.add(persistentLoad.load(pid));
                }
                case 'R' -> { // REDUCE
                    Object args = pop(at);
                    Object callable = pop(at);
                    stack.add(reduce(callable, args, at));
                }
                case 'b' -> { // BUILD: only an OrderedDict's instance state (a state dict's _metadata), which is dropped
                    Object state = pop(at);
                    if (!(top(at) instanceof Map<?, ?>) || !(state instanceof Map<?, ?> || state instanceof Tuple)) {
                        throw bad(at, "BUILD on " + describe(top(at)) + " is not part of a state dict");
                    }
                }
                case 's' -> { // SETITEM
                    Object value = pop(at);
                    Object key = pop(at);
                    map(top(at), at).put(key, value);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark(at);
                    Map<Object, Object> map = map(top(at), at);
                    for (int i = 0; i + 1 < items.size(); i += 2) {
                        map.put(items.get(i), items.get(i + 1));
                    }
                }
                case 'a' -> {
                    Object value = pop(at);
                    list(top(at), at).add(value);
                }
                case 'e' -> {
                    List<Object> items = popMark(at);
                    list(top(at), at).addAll(items);
                }
                default -> throw bad(at, "pickle opcode " + opcodeName(op) + " is not one a state dict needs; refusing to read further");
            }
        }
    }

    private Object global(String module, String name, long at) {
        Global g = new Global(module, name);
        boolean allowed = g.equals(REBUILD_TENSOR) || g.equals(REBUILD_PARAMETER) || g.equals(ORDERED_DICT)
                || module.equals("torch") && STORAGE_CLASSES.contains(name);
        if (!allowed) {
            throw bad(at, "the pickle refers to global " + g + ", which a state dict never needs; refusing to load it"
                    + " (nothing was run; allowed: torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter,"
                    + " collections.OrderedDict, torch.*Storage)");
        }
        return g;
    }

    private Object reduce(Object callable, Object args, long at) {
        if (!(args instanceof Tuple(List<Object> a))) {
            throw bad(at, "REDUCE arguments are not a tuple");
        }
        if (ORDERED_DICT.equals(callable)) {
            Map<Object, Object> map = new LinkedHashMap<>();
            if (!a.isEmpty() && a.getFirst() instanceof List<?> pairs) {
                for (Object pair : pairs) {
                    if (pair instanceof Tuple(List<Object> kv) && kv.size() == 2) {
                        map.put(kv.get(0), kv.get(1));
                    }
                }
            }
            return map;
        }
        if (REBUILD_TENSOR.equals(callable) && a.size() >= 4 && a.get(0) instanceof Storage storage
                && a.get(1) instanceof Long offset && a.get(2) instanceof Tuple size && a.get(3) instanceof Tuple stride) {
            return new TensorRef(storage, offset, longs(size, at), longs(stride, at));
        }
        if (REBUILD_PARAMETER.equals(callable) && !a.isEmpty() && a.getFirst() instanceof TensorRef tensor) {
            return tensor;
        }
        throw bad(at, "REDUCE of " + describe(callable) + " with " + a.size() + " arguments is not part of a state dict");
    }

    private long[] longs(Tuple t, long at) {
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.items().get(i) instanceof Long v) || v < 0) {
                throw bad(at, "tensor size/stride " + t.items() + " must hold non-negative integers");
            }
            out[i] = v;
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> map(Object o, long at) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw bad(at, "SETITEM on " + describe(o) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, long at) {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw bad(at, "APPEND on " + describe(o) + ", not a list");
    }

    private static String describe(Object o) {
        return o == null ? "None" : o instanceof Global g ? g.toString() : o.getClass().getSimpleName();
    }

    private Object long1(int n) {
        byte[] le = bytes(n);
        byte[] be = new byte[Math.max(n, 1)];
        for (int i = 0; i < n; i++) {
            be[n - 1 - i] = le[i];
        }
        BigInteger v = n == 0 ? BigInteger.ZERO : new BigInteger(be); // two's complement, as pickle's LONG1
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object memoGet(long key, long at) {
        if (!memo.containsKey(key)) {
            throw bad(at, "memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    private Object top(long at) {
        if (stack.isEmpty() || stack.getLast() == MARK) {
            throw bad(at, "stack underflow");
        }
        return stack.getLast();
    }

    private Object pop(long at) {
        Object o = top(at);
        stack.removeLast();
        return o;
    }

    private List<Object> popN(int n, long at) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop(at);
        }
        return java.util.Arrays.asList(items);
    }

    private List<Object> popMark(long at) {
        int mark = stack.lastIndexOf(MARK);
        if (mark < 0) {
            throw bad(at, "no MARK on the stack");
        }
        List<Object> items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    private long advance(long n) {
        if (n < 0 || pos + n > data.byteSize()) {
            throw bad(pos, "pickle runs past the end of the data (" + data.byteSize() + " bytes); the file is truncated");
        }
        long at = pos;
        pos += n;
        return at;
    }

    private void skip(long n) {
        advance(n);
    }

    private int u8() {
        return data.get(ValueLayout.JAVA_BYTE, advance(1)) & 0xff;
    }

    private long u32() {
        return data.get(INT_LE, advance(4)) & 0xffffffffL;
    }

    private byte[] bytes(long n) {
        long at = advance(n);
        return data.asSlice(at, n).toArray(ValueLayout.JAVA_BYTE);
    }

    private String string(long n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    /** A newline-terminated ASCII line (GLOBAL's module and name). */
    private String line() {
        StringBuilder s = new StringBuilder();
        for (int c = u8(); c != '\n'; c = u8()) {
            if (s.length() > 256) {
                throw bad(pos, "GLOBAL name longer than 256 bytes");
            }
            s.append((char) c);
        }
        return s.toString();
    }

    private static String opcodeName(int op) {
        String name = switch (op) {
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 'P' -> "PERSID";
            case 0x82, 0x83, 0x84 -> "EXT";
            default -> null;
        };
        String printable = op >= 0x20 && op < 0x7f ? "'" + (char) op + "'" : String.format("0x%02x", op);
        return name == null ? printable : printable + " (" + name + ")";
    }

    private BadInputException bad(long at, String problem) {
        return new BadInputException(file + ": byte " + at + ": " + problem);
    }
}
