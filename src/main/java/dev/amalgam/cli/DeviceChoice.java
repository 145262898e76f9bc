package dev.amalgam.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.amalgam.BadInputException;
import picocli.CommandLine;

/**
 * {@code --device cpu|gpu|gpu:N}: the CPU, the first GPU, or GPU N (as CUDA numbers them); without the option, the
 * first GPU when DJL sees one.
 *
 * @param gpu   whether a GPU was asked for
 * @param index the GPU's number, or -1 for the first (DJL's default GPU)
 */
public record DeviceChoice(boolean gpu, int index) {
    public static final DeviceChoice CPU = new DeviceChoice(false, -1);
    public static final DeviceChoice GPU = new DeviceChoice(true, -1);

    /** Parses {@code cpu}, {@code gpu} or {@code gpu:N}; picocli reports a bad one as a usage error (exit 2). */
    static final class Converter implements CommandLine.ITypeConverter<DeviceChoice> {
        @Override
        public DeviceChoice convert(String value) {
            if (value.equals("cpu")) {
                return CPU;
            }
            if (value.equals("gpu")) {
                return GPU;
            }
            if (value.matches("gpu:\\d{1,3}")) {
                return new DeviceChoice(true, Integer.parseInt(value.substring(4)));
            }
            throw new CommandLine.TypeConversionException("expected cpu, gpu or gpu:N (N = 0, 1, ...), got '" + value + "'");
        }
    }

    public static Device resolve(DeviceChoice choice) {
        int gpus = Engine.getInstance().getGpuCount();
        if (choice == null) {
            return gpus > 0 ? Device.gpu() : Device.cpu();
        }
        if (!choice.gpu()) {
            return Device.cpu();
        }
        if (gpus == 0) {
            throw new BadInputException("--device " + choice + ": DJL sees no GPU (a CUDA libtorch is needed; see README, 'GPU')");
        }
        if (choice.index() >= gpus) {
            throw new BadInputException("--device " + choice + ": DJL sees " + gpus + " GPU(s), numbered 0 to " + (gpus - 1));
        }
        return choice.index() < 0 ? Device.gpu() : Device.gpu(choice.index());
    }

    @Override
    public String toString() {
        return !gpu ? "cpu" : index < 0 ? "gpu" : "gpu:" + index;
    }
}
