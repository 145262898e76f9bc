package dev.amalgam.cluster;

import dev.amalgam.BadInputException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The secret every member of a cluster shares, and the HMAC-SHA256 authentication codes made with it. Hazelcast's
 * open-source edition authenticates no member, so each run spec, task and result carries a code over its content,
 * and one without a valid code is refused.
 */
public final class ClusterSecret {
    /** The environment variable that holds the secret when no file is given. */
    public static final String ENV = "AMALGAM_CLUSTER_SECRET";
    private static final int MIN_LENGTH = 16;
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    private ClusterSecret(byte[] secret) {
        this.key = new SecretKeySpec(secret, ALGORITHM);
    }

    /** A secret given as text (at least 16 characters). */
    public static ClusterSecret of(String secret, String source) {
        String s = secret == null ? "" : secret.strip();
        if (s.length() < MIN_LENGTH) {
            throw new BadInputException(source + ": the cluster secret must have at least " + MIN_LENGTH + " characters, got " + s.length());
        }
        return new ClusterSecret(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The secret from {@code file} if given, else from {@value #ENV}. */
    public static ClusterSecret load(Path file) {
        if (file != null) {
            try {
                return of(Files.readString(file), file.toString());
            } catch (IOException e) {
                throw new BadInputException(file + ": cannot read the cluster secret (" + e.getMessage() + ")", e);
            }
        }
        String env = System.getenv(ENV);
        if (env == null) {
            throw new BadInputException(ENV + ": not set; a cluster needs a shared secret (or --secret-file FILE)");
        }
        return of(env, ENV);
    }

    /** The authentication code of {@code content}, in hex. */
    public String sign(String content) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Whether {@code code} is the authentication code of {@code content} (compared in constant time). */
    public boolean verifies(String content, String code) {
        return code != null && MessageDigest.isEqual(sign(content).getBytes(StandardCharsets.US_ASCII),
                code.getBytes(StandardCharsets.US_ASCII));
    }
}
