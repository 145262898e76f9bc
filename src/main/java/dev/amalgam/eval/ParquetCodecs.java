package dev.amalgam.eval;

import io.airlift.compress.Compressor;
import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Parquet page codecs in pure Java (aircompressor and java.util.zip) instead of parquet-hadoop's default factory,
 * which builds a Hadoop {@code Configuration} and loads native snappy/zstd: reading then needs no Hadoop runtime
 * and no native library. Decompresses what the Hugging Face hub's files use (snappy, the pyarrow default; zstd; gzip;
 * lz4_raw; none) and compresses snappy, gzip or nothing (for tests that write hub-like files).
 */
final class ParquetCodecs implements CompressionCodecFactory {
    static final ParquetCodecs INSTANCE = new ParquetCodecs();

    private ParquetCodecs() {
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED -> compressor(codec, bytes -> bytes);
            case SNAPPY -> compressor(codec, bytes -> compress(new SnappyCompressor(), bytes));
            case GZIP -> compressor(codec, bytes -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
                    gzip.write(bytes);
                }
                return out.toByteArray();
            });
            default -> throw new UnsupportedOperationException("writing parquet with " + codec + " is not supported");
        };
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED -> decompressor((bytes, size) -> bytes);
            case SNAPPY -> decompressor((bytes, size) -> decompress(new SnappyDecompressor(), bytes, size));
            case ZSTD -> decompressor((bytes, size) -> decompress(new ZstdDecompressor(), bytes, size));
            case LZ4_RAW -> decompressor((bytes, size) -> decompress(new Lz4Decompressor(), bytes, size));
            case GZIP -> decompressor((bytes, size) -> {
                try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
                    return in.readNBytes(size);
                }
            });
            default -> throw new UnsupportedOperationException("parquet pages compressed with " + codec
                    + " are not supported (supported: UNCOMPRESSED, SNAPPY, ZSTD, GZIP, LZ4_RAW)");
        };
    }

    @Override
    public void release() {
    }

    private interface Transform {
        byte[] apply(byte[] bytes) throws IOException;
    }

    private interface Inflate {
        byte[] apply(byte[] bytes, int uncompressedSize) throws IOException;
    }

    private static byte[] compress(Compressor c, byte[] in) {
        byte[] out = new byte[c.maxCompressedLength(in.length)];
        int n = c.compress(in, 0, in.length, out, 0, out.length);
        return Arrays.copyOf(out, n);
    }

    private static byte[] decompress(Decompressor d, byte[] in, int size) throws IOException {
        byte[] out = new byte[size];
        int n = d.decompress(in, 0, in.length, out, 0, size);
        if (n != size) {
            throw new IOException("page decompressed to " + n + " bytes, expected " + size);
        }
        return out;
    }

    private static BytesInputCompressor compressor(CompressionCodecName codec, Transform transform) {
        return new BytesInputCompressor() {
            @Override
            public BytesInput compress(BytesInput bytes) throws IOException {
                return BytesInput.from(transform.apply(bytes.toByteArray()));
            }

            @Override
            public CompressionCodecName getCodecName() {
                return codec;
            }

            @Override
            public void release() {
            }
        };
    }

    private static BytesInputDecompressor decompressor(Inflate inflate) {
        return new BytesInputDecompressor() {
            @Override
            public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
                return BytesInput.from(inflate.apply(bytes.toByteArray(), uncompressedSize));
            }

            @Override
            public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize) throws IOException {
                byte[] in = new byte[compressedSize];
                input.get(in);
                output.put(inflate.apply(in, uncompressedSize));
            }

            @Override
            public void release() {
            }
        };
    }
}
