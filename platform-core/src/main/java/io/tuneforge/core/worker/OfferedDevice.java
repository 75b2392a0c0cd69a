package io.tuneforge.core.worker;

/**
 * A device a worker offers, as it registers (what the engine runs on is {@code trainer.device.DeviceSpec}).
 *
 * @param index       -1 for the CPU, else the CUDA ordinal
 * @param kind        CPU or CUDA
 * @param name        human-readable name ("NVIDIA H200", "CPU (16 cores)")
 * @param memoryBytes device memory (GPU) or usable host memory (CPU)
 * @param bf16        whether the device computes bfloat16 natively (a CPU with AVX512-BF16 or AMX, a GPU of compute
 *                    capability 8.0 or more); {@code bf16: true} jobs are submitted and claimed only where one does
 */
public record OfferedDevice(int index, WorkerDevice.Kind kind, String name, long memoryBytes, boolean bf16) {
}
