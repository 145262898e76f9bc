package dev.amalgam.zoo;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Runs work with PyTorch's intra-op pool at one thread, restoring the previous count after. The zoo's tensors
 * are tiny (a batch is 32 x ~40 x 64), so fanning ops out only costs: on the busy 2-core dev machine a build took
 * 408 s with the default pool and spinning OpenMP threads, 32 s with {@code OMP_WAIT_POLICY=PASSIVE}, and 21 s
 * single-threaded (same accuracies).
 * The setting is process-wide: do not run other PyTorch work concurrently and expect its thread count.
 */
final class TorchThreads {
    private TorchThreads() {
    }

    static void singleThreaded(Runnable work) {
        Engine.getInstance(); // loads the native library before JniUtils is touched
        int previous = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        try {
            work.run();
        } finally {
            JniUtils.setNumThreads(previous);
        }
    }
}
