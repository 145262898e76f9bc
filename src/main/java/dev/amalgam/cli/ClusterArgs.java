package dev.amalgam.cli;

import dev.amalgam.cluster.ClusterOptions;
import dev.amalgam.cluster.ClusterSecret;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The options that join a cluster, shared by {@code amalgam worker} and {@code amalgam evolve --cluster}. */
final class ClusterArgs {
    @Option(names = "--cluster", paramLabel = "NAME", description = "the cluster's name (every member must share it)")
    String name;

    @Option(names = "--members", paramLabel = "HOST[:PORT]", split = ",",
            description = "members to join through (TCP/IP; multicast is off); a worker names the coordinator")
    List<String> members = new ArrayList<>();

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = ClusterOptions.LOOPBACK,
            description = "the address this member listens on (default: ${DEFAULT-VALUE}, this machine only)")
    String bind;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + ClusterOptions.DEFAULT_PORT,
            description = "the first port to listen on; the next " + ClusterOptions.PORT_RANGE + " when taken (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "the cluster secret (default: the " + ClusterSecret.ENV + " environment variable)")
    Path secretFile;

    ClusterOptions options() {
        return new ClusterOptions(name, members, bind, port, ClusterSecret.load(secretFile));
    }
}
