package dev.amalgam.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import java.util.Map;
import java.util.Set;

/** One embedded Hazelcast member of an Amalgam cluster; closing it leaves the cluster. */
public final class ClusterNode implements AutoCloseable {
    static final String RUNS = "amalgam.runs";       // run id -> RunSpec
    static final String WORKERS = "amalgam.workers"; // member id -> WorkerCard
    static final String EXECUTOR = "amalgam.score";
    /** The user-context key under which a worker member holds its {@link Worker}. */
    static final String WORKER_KEY = "amalgam.worker";

    private final HazelcastInstance hazelcast;
    private final ClusterOptions options;

    private ClusterNode(HazelcastInstance hazelcast, ClusterOptions options) {
        this.hazelcast = hazelcast;
        this.options = options;
    }

    /** Starts a member and joins the cluster ({@code context}: objects its tasks can reach, e.g. a worker). */
    static ClusterNode start(ClusterOptions options, String instanceName, Map<String, Object> context) {
        Config config = new Config();
        config.setClusterName(options.name());
        config.setInstanceName(instanceName);
        config.getUserContext().putAll(context);
        // Failure detection in seconds, not Hazelcast's default minute: a killed worker's candidates go elsewhere soon
        // (a killed process's closed connections are noticed at once; the heartbeat covers a cut network).
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", "15");
        // Workers left alone by a killed coordinator find the restarted one (a split-brain merge) within seconds,
        // not Hazelcast's default five minutes.
        config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        // A member list is explicit: no need for Hazelcast's 5 s pause before joining (which gathers discovered peers).
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.getJetConfig().setEnabled(false);
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(options.port()).setPortAutoIncrement(true).setPortCount(ClusterOptions.PORT_RANGE);
        network.setPublicAddress(options.bind());
        network.getInterfaces().setEnabled(true).addInterface(options.bind());
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(options.members());
        config.getExecutorConfig(EXECUTOR).setPoolSize(2);
        return new ClusterNode(Hazelcast.newHazelcastInstance(config), options);
    }

    HazelcastInstance hazelcast() {
        return hazelcast;
    }

    ClusterSecret secret() {
        return options.secret();
    }

    String memberId() {
        return hazelcast.getCluster().getLocalMember().getUuid().toString();
    }

    /** The address other members reach this one at. */
    public String address() {
        Member local = hazelcast.getCluster().getLocalMember();
        return local.getAddress().getHost() + ":" + local.getAddress().getPort();
    }

    Set<Member> members() {
        return hazelcast.getCluster().getMembers();
    }

    IMap<String, RunSpec> runs() {
        return hazelcast.getMap(RUNS);
    }

    IMap<String, WorkerCard> workers() {
        return hazelcast.getMap(WORKERS);
    }

    @Override
    public void close() {
        hazelcast.shutdown();
    }
}
