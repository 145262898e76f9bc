package dev.amalgam.torchbin;

import dev.amalgam.BadInputException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The entries of a zip archive read from its central directory (zip64 included, as torch writes files over 4 GiB),
 * each as the byte range of its data inside the mapped file. torch stores entries uncompressed, so a tensor is a
 * slice of the mapping; a compressed entry is refused.
 */
final class ZipDirectory {
    private static final int EOCD = 0x06054b50;
    private static final int EOCD64_LOCATOR = 0x07064b50;
    private static final int EOCD64 = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One stored entry: where its bytes start in the file, and how many. */
    record Entry(String name, long offset, long size) {
    }

    private ZipDirectory() {
    }

    static boolean isZip(MemorySegment file) {
        return file.byteSize() >= 4 && file.get(INT_LE, 0) == LOCAL;
    }

    /** Entries by name, in directory order. */
    static Map<String, Entry> read(Path path, MemorySegment file) {
        long size = file.byteSize();
        long eocd = -1;
        for (long at = size - 22; at >= Math.max(0, size - 22 - 65535); at--) {
            if (file.get(INT_LE, at) == EOCD) {
                eocd = at;
                break;
            }
        }
        if (eocd < 0) {
            throw new BadInputException(path + ": zip archive without an end-of-central-directory record; the file is truncated");
        }
        long count = u16(file, eocd + 10);
        long dirOffset = u32(file, eocd + 16);
        if ((count == 0xffff || dirOffset == 0xffffffffL) && eocd >= 20 && file.get(INT_LE, eocd - 20) == EOCD64_LOCATOR) {
            long eocd64 = file.get(LONG_LE, eocd - 12);
            check(path, file, eocd64, 56, EOCD64, "zip64 end of central directory");
            count = file.get(LONG_LE, eocd64 + 32);
            dirOffset = file.get(LONG_LE, eocd64 + 48);
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        long at = dirOffset;
        for (long i = 0; i < count; i++) {
            check(path, file, at, 46, CENTRAL, "central directory entry " + i);
            int method = u16(file, at + 10);
            long compressed = u32(file, at + 20);
            int nameLength = u16(file, at + 28);
            int extraLength = u16(file, at + 30);
            int commentLength = u16(file, at + 32);
            long local = u32(file, at + 42);
            String name = new String(file.asSlice(at + 46, nameLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            long uncompressed = u32(file, at + 24);
            // zip64 extra field (id 1): the 8-byte values of whichever of these fields are 0xffffffff, in this order.
            for (long e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; ) {
                int id = u16(file, e);
                int length = u16(file, e + 2);
                if (id == 1) {
                    long v = e + 4;
                    if (uncompressed == 0xffffffffL) {
                        uncompressed = file.get(LONG_LE, v);
                        v += 8;
                    }
                    if (compressed == 0xffffffffL) {
                        compressed = file.get(LONG_LE, v);
                        v += 8;
                    }
                    if (local == 0xffffffffL) {
                        local = file.get(LONG_LE, v);
                    }
                }
                e += 4 + length;
            }
            if (method != 0 || compressed != uncompressed) {
                throw new BadInputException(path + ": zip entry '" + name + "' is compressed (method " + method
                        + "); torch.save stores entries uncompressed, so this is not a torch checkpoint as written");
            }
            check(path, file, local, 30, LOCAL, "local header of '" + name + "'");
            long data = local + 30 + u16(file, local + 26) + u16(file, local + 28);
            if (data + uncompressed > size) {
                throw new BadInputException(path + ": zip entry '" + name + "' runs past the end of the file; the file is truncated");
            }
            entries.put(name, new Entry(name, data, uncompressed));
            at += 46 + nameLength + extraLength + commentLength;
        }
        return entries;
    }

    private static void check(Path path, MemorySegment file, long at, long length, int signature, String what) {
        if (at < 0 || at + length > file.byteSize() || file.get(INT_LE, at) != signature) {
            throw new BadInputException(path + ": zip " + what + " missing at byte " + at + "; the file is truncated or corrupt");
        }
    }

    private static int u16(MemorySegment file, long at) {
        return file.get(SHORT_LE, at) & 0xffff;
    }

    private static long u32(MemorySegment file, long at) {
        return file.get(INT_LE, at) & 0xffffffffL;
    }
}
