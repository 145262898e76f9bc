package dev.amalgam.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

import java.io.Serial;
import java.io.Serializable;
import java.util.concurrent.Callable;

/** The coordinator's request, run on the worker member it was sent to: score this task there. */
final class ScoreCall implements Callable<EvalResult>, Serializable, HazelcastInstanceAware {
    @Serial
    private static final long serialVersionUID = 1L;

    private final EvalTask task;
    private transient HazelcastInstance hazelcast;

    ScoreCall(EvalTask task) {
        this.task = task;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
    }

    @Override
    public EvalResult call() {
        if (!(hazelcast.getUserContext().get(ClusterNode.WORKER_KEY) instanceof Worker worker)) {
            throw new IllegalStateException("member " + hazelcast.getName() + " is not an amalgam worker");
        }
        return worker.handle(task);
    }
}
