package dev.amalgam.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.amalgam.BadInputException;

/** {@code --device cpu|gpu}; without the option, the GPU when DJL sees one. */
public enum DeviceChoice {
    cpu, gpu;

    public static Device resolve(DeviceChoice choice) {
        int gpus = Engine.getInstance().getGpuCount();
        if (choice == null) {
            return gpus > 0 ? Device.gpu() : Device.cpu();
        }
        if (choice == gpu && gpus == 0) {
            throw new BadInputException("--device gpu: DJL sees no GPU (a CUDA libtorch is needed; see README, 'GPU')");
        }
        return choice == gpu ? Device.gpu() : Device.cpu();
    }
}
