package io.tuneforge.trainer.device;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.util.Locale;

/**
 * Where the model runs: {@code cpu}, {@code cuda} (GPU 0) or {@code cuda:N}, as given to {@code --device}.
 *
 * @param gpu the GPU index, or -1 for the CPU
 */
public record DeviceSpec(int gpu) {

    /** The CPU. */
    public static final DeviceSpec CPU = new DeviceSpec(-1);

    /** Parses {@code cpu}, {@code cuda}, {@code cuda:N} (also {@code gpu}, {@code gpu:N}). */
    public static DeviceSpec parse(String text) {
        String t = text == null ? "cpu" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("cuda") || t.equals("gpu")) {
            return new DeviceSpec(0);
        }
        if (t.startsWith("cuda:") || t.startsWith("gpu:")) {
            try {
                int index = Integer.parseInt(t.substring(t.indexOf(':') + 1));
                if (index >= 0) {
                    return new DeviceSpec(index);
                }
            } catch (NumberFormatException ignored) {
                // falls through to the error below
            }
        }
        throw new DeviceException("--device '" + text + "' is not a device: use cpu, cuda or cuda:N");
    }

    /** True for a GPU. */
    public boolean isCuda() {
        return gpu >= 0;
    }

    /**
     * The DJL device, after checking that the PyTorch engine can reach it: a CUDA device needs DJL's CUDA natives
     * (or {@code PYTORCH_LIBRARY_PATH} pointing at a CUDA libtorch) and a visible GPU.
     */
    public Device toDjl() {
        if (!isCuda()) {
            return Device.cpu();
        }
        int count = Engine.getInstance().getGpuCount();
        if (count == 0) {
            throw new DeviceException("--device " + this + " was requested but the PyTorch engine sees no GPU: "
                    + "install a CUDA build of libtorch (PYTORCH_FLAVOR=cu124 or PYTORCH_LIBRARY_PATH, see README "
                    + "'GPU setup') and check nvidia-smi; or use --device cpu");
        }
        if (gpu >= count) {
            throw new DeviceException("--device " + this + " was requested but only " + count + " GPU(s) are visible");
        }
        return Device.gpu(gpu);
    }

    @Override
    public String toString() {
        return isCuda() ? "cuda:" + gpu : "cpu";
    }
}
