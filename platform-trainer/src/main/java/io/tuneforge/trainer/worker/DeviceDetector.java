package io.tuneforge.trainer.worker;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import io.tuneforge.core.worker.OfferedDevice;
import io.tuneforge.core.worker.WorkerDevice;
import io.tuneforge.shared.recipe.Bf16Support;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The devices a worker offers, from {@code --devices}: {@code cpu}, a list of CUDA ordinals ({@code 0,1}), or
 * {@code auto} (every GPU the engine sees, else the CPU). GPU memory comes from CUDA; CPU memory is the host's.
 */
public final class DeviceDetector {

    private DeviceDetector() {
    }

    public static List<OfferedDevice> detect(String devices) {
        String spec = devices == null ? "auto" : devices.strip().toLowerCase(Locale.ROOT);
        if (spec.equals("cpu")) {
            return List.of(cpu());
        }
        if (spec.equals("auto")) {
            int gpus = Engine.getInstance().getGpuCount();
            if (gpus == 0) {
                return List.of(cpu());
            }
            List<OfferedDevice> all = new ArrayList<>();
            for (int i = 0; i < gpus; i++) {
                all.add(gpu(i));
            }
            return all;
        }
        List<OfferedDevice> chosen = new ArrayList<>();
        int available = Engine.getInstance().getGpuCount();
        for (String part : spec.split(",")) {
            int ordinal;
            try {
                ordinal = Integer.parseInt(part.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--devices takes 'cpu', 'auto' or GPU ordinals like '0,1'; got '"
                        + devices + "'");
            }
            if (ordinal < 0 || ordinal >= available) {
                throw new IllegalArgumentException("GPU " + ordinal + " does not exist: the engine sees " + available
                        + " GPU(s). Use --devices cpu, or ordinals below " + available);
            }
            chosen.add(gpu(ordinal));
        }
        return chosen;
    }

    static OfferedDevice cpu() {
        long memory = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        int cores = Runtime.getRuntime().availableProcessors();
        return new OfferedDevice(-1, WorkerDevice.Kind.CPU, "CPU (" + cores + " cores)", memory,
                Bf16Support.refusalOnThisHost().isEmpty());
    }

    /** Whether a GPU of this compute capability ("80", "90", "75") has bf16 tensor cores: Ampere (8.0) and later. */
    static boolean computesBf16(String capability) {
        try {
            return Integer.parseInt(capability.strip()) >= 80;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static OfferedDevice gpu(int ordinal) {
        long memory = CudaUtils.getGpuMemory(Device.gpu(ordinal)).getMax();
        String capability = CudaUtils.getComputeCapability(ordinal);
        return new OfferedDevice(ordinal, WorkerDevice.Kind.CUDA, "CUDA GPU " + ordinal + " (sm " + capability + ")",
                memory, computesBf16(capability));
    }
}
