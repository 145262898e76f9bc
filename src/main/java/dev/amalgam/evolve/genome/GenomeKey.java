package dev.amalgam.evolve.genome;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A stable hex key of gene values: the first 16 hex digits of SHA-256 over their IEEE bits (-0.0 folded to 0.0). */
public final class GenomeKey {
    private GenomeKey() {
    }

    public static String of(double[] genes) {
        ByteBuffer bytes = ByteBuffer.allocate(genes.length * Double.BYTES);
        for (double g : genes) {
            bytes.putLong(Double.doubleToLongBits(g == 0 ? 0.0 : g));
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.array());
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
