package dev.amalgam.torchbin;

import dev.amalgam.BadInputException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The restricted pickle machine on hand-assembled pickles (opcodes as CPython's pickletools documents them). */
class PickleMachineTest {
    private static final Path FILE = Path.of("x.bin");

    @Test
    void orderedDictWithMetadataStateReadsAsAMap() {
        // collections.OrderedDict() then SETITEMS {'a': 1, 'b': None}, then BUILD with {'_metadata': {}} (a state dict's attribute)
        byte[] p = pickle(b -> {
            b.writeBytes(new byte[] {(byte) 0x80, 2});
            global(b, "collections", "OrderedDict");
            b.write(')');
            b.write('R');
            b.write('(');
            unicode(b, "a");
            b.writeBytes(new byte[] {'K', 1});
            unicode(b, "b");
            b.write('N');
            b.write('u');
            b.write('}');
            unicode(b, "_metadata");
            b.write('}');
            b.write('s');
            b.write('b');
            b.write('.');
        });
        Object value = PickleMachine.read(FILE, MemorySegment.ofArray(p), 0, pid -> null).value();
        assertEquals(List.of("a", "b"), List.copyOf(((Map<?, ?>) value).keySet()));
        assertEquals(1L, ((Map<?, ?>) value).get("a"));
    }

    @Test
    void anyOtherGlobalIsRefusedByNameBeforeItCouldBeCalled() {
        byte[] p = pickle(b -> {
            b.writeBytes(new byte[] {(byte) 0x80, 2});
            global(b, "builtins", "eval");
            unicode(b, "print(1)");
            b.write(0x85);
            b.write('R');
            b.write('.');
        });
        BadInputException e = assertThrows(BadInputException.class, () -> PickleMachine.read(FILE, MemorySegment.ofArray(p), 0, pid -> null));
        assertTrue(e.getMessage().startsWith("x.bin: byte 2: ") && e.getMessage().contains("global builtins.eval"), e.getMessage());
    }

    @Test
    void stackGlobalIsCheckedTheSameWay() {
        byte[] p = pickle(b -> {
            b.writeBytes(new byte[] {(byte) 0x80, 4});
            b.write(0x8c);
            b.write(2);
            b.writeBytes("os".getBytes(StandardCharsets.US_ASCII));
            b.write(0x8c);
            b.write(6);
            b.writeBytes("system".getBytes(StandardCharsets.US_ASCII));
            b.write(0x93);
            b.write('.');
        });
        BadInputException e = assertThrows(BadInputException.class, () -> PickleMachine.read(FILE, MemorySegment.ofArray(p), 0, pid -> null));
        assertTrue(e.getMessage().contains("global os.system"), e.getMessage());
    }

    @Test
    void objectBuildingOpcodesAreRefused() {
        byte[] p = {(byte) 0x80, 2, ')', ')', (byte) 0x81, '.'};
        BadInputException e = assertThrows(BadInputException.class, () -> PickleMachine.read(FILE, MemorySegment.ofArray(p), 0, pid -> null));
        assertTrue(e.getMessage().contains("NEWOBJ"), e.getMessage());
    }

    @Test
    void truncatedPickleIsBadInput() {
        byte[] p = {(byte) 0x80, 2, 'X', 10, 0, 0, 0, 'a'};
        BadInputException e = assertThrows(BadInputException.class, () -> PickleMachine.read(FILE, MemorySegment.ofArray(p), 0, pid -> null));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    private interface Writer {
        void write(ByteArrayOutputStream b);
    }

    private static byte[] pickle(Writer w) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        w.write(b);
        return b.toByteArray();
    }

    private static void global(ByteArrayOutputStream b, String module, String name) {
        b.write('c');
        b.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void unicode(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.write('X');
        b.writeBytes(new byte[] {(byte) bytes.length, 0, 0, 0});
        b.writeBytes(bytes);
    }
}
