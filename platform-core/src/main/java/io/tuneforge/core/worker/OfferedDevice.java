package io.tuneforge.core.worker;

/**
 * A device a worker offers, as it registers (what the engine runs on is {@code trainer.device.DeviceSpec}).
 *
 * @param index       -1 for the CPU, else the CUDA ordinal
 * @param kind        CPU or CUDA
 * @param name        human-readable name ("NVIDIA H200", "CPU (16 cores)")
 * @param memoryBytes device memory (GPU) or usable host memory (CPU)
 */
public record OfferedDevice(int index, WorkerDevice.Kind kind, String name, long memoryBytes) {
}
