package dev.amalgam.cluster;

/**
 * A worker's registration in the cluster's worker map, keyed by its member id: the coordinator sends work only to a
 * member whose card is signed over that member's own id, so a member without the secret gets none (and a card
 * copied from another member names that member, not the copier).
 */
public record WorkerCard(String memberId, String name, String mac) implements Signed {
    public static WorkerCard signed(String memberId, String name, ClusterSecret secret) {
        return new WorkerCard(memberId, name, secret.sign(content(memberId, name)));
    }

    @Override
    public String content() {
        return content(memberId, name);
    }

    private static String content(String memberId, String name) {
        return "worker|" + memberId + "|" + name;
    }
}
