package dev.amalgam.cluster;

import dev.amalgam.BadValueException;

import java.util.List;

/**
 * How a member finds and joins its cluster: TCP/IP join with an explicit member list (multicast is off), listening on
 * one address (loopback unless told otherwise).
 *
 * @param name    the cluster name every member must share
 * @param members {@code HOST[:PORT]} of members to join through (the coordinator's address is enough)
 * @param bind    the address this member listens on and is reached at
 * @param port    the first port tried (the next ones up to +{@value #PORT_RANGE} when taken)
 * @param secret  the shared secret
 */
public record ClusterOptions(String name, List<String> members, String bind, int port, ClusterSecret secret) {
    public static final String LOOPBACK = "127.0.0.1";
    public static final int DEFAULT_PORT = 5701;
    public static final int PORT_RANGE = 20;

    public ClusterOptions {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new BadValueException("--cluster", "expected a name of letters, digits, '.', '_' or '-', got '" + name + "'");
        }
        members = List.copyOf(members);
        for (String m : members) {
            if (!m.matches("[A-Za-z0-9.\\-\\[\\]:]+(:\\d{1,5})?")) {
                throw new BadValueException("--members", "expected HOST[:PORT], got '" + m + "'");
            }
        }
        if (bind == null || bind.isBlank()) {
            throw new BadValueException("--bind", "expected an address");
        }
        if (port < 1 || port > 65535 - PORT_RANGE) {
            throw new BadValueException("--port", "expected 1.." + (65535 - PORT_RANGE) + ", got " + port);
        }
        if (secret == null) {
            throw new BadValueException("secret", "a cluster needs a shared secret");
        }
    }
}
