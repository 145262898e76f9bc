package dev.amalgam.zoo;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Runs work with PyTorch's intra-op pool at one thread, restoring the previous count after. The zoo's tensors
 * are tiny (a batch is 32 x ~40 x 64), so fanning ops out only costs, and on a busy 2-core machine the pool's
 * spin-waiting made a build 13x slower in wall time (408 s against 31 s measured, same results).
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
