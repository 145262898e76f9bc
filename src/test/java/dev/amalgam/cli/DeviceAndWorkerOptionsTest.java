package dev.amalgam.cli;

import ai.djl.engine.Engine;
import dev.amalgam.BadInputException;
import dev.amalgam.CliRun;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code --device cpu|gpu|gpu:N}, and the cluster options' help and refusals. */
class DeviceAndWorkerOptionsTest {
    private final DeviceChoice.Converter converter = new DeviceChoice.Converter();

    @Test
    void parsesCpuGpuAndANumberedGpu() {
        assertEquals(DeviceChoice.CPU, converter.convert("cpu"));
        assertEquals(DeviceChoice.GPU, converter.convert("gpu"));
        assertEquals(new DeviceChoice(true, 3), converter.convert("gpu:3"));
        assertEquals("gpu:3", converter.convert("gpu:3").toString());
    }

    @Test
    void aBadDeviceIsOneLineAndExitTwo() {
        CliRun.run("eval", "model", "--tasks", "arc_easy", "--device", "gpu:x").assertBadInput("--device", "gpu:N", "gpu:x");
        CliRun.run("worker", "--cluster", "c", "--device", "tpu").assertBadInput("--device", "tpu");
    }

    @Test
    void aGpuThatIsNotThereIsNamed() {
        assumeTrue(Engine.getInstance().getGpuCount() == 0, "this machine has a GPU");
        BadInputException e = assertThrows(BadInputException.class, () -> DeviceChoice.resolve(new DeviceChoice(true, 1)));
        assertTrue(e.getMessage().startsWith("--device gpu:1: DJL sees no GPU"), e.getMessage());
    }

    @Test
    void workerHelpSaysWhyOneProcessPerGpu() {
        CliRun help = CliRun.run("worker", "--help");
        assertEquals(0, help.exit());
        String text = help.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("one worker process per GPU") && text.contains("own CUDA context") && text.contains("own memory")
                && text.contains("gpu:N"), help.out());
    }

    @Test
    void noLocalNeedsACluster() {
        CliRun.run("evolve", "--no-local").assertBadInput("--no-local", "--cluster");
    }
}
