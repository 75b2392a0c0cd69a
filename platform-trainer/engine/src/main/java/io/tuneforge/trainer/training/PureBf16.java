package io.tuneforge.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.tuneforge.trainer.model.safetensors.Bf16;

import java.util.Collection;

/**
 * LLaMA-Factory's {@code pure_bf16} for weights trained whole (DD040): the trainable weights, their gradients and the
 * optimizer state are kept at bfloat16 precision by rounding them to nearest even after each change, exactly as
 * PyTorch's {@code .to(torch.bfloat16)} rounds. DJL's JNI cannot hold bfloat16 arrays (stack-facts), so the values
 * live in float32 arrays: the numbers are bf16's, the memory that of float32.
 */
final class PureBf16 {

    /** Every element, whatever the rank (a scalar included). */
    private static final NDIndex ALL = new NDIndex("...");

    private PureBf16() {
    }

    /** Rounds every float32 array of {@code arrays} to bfloat16 precision in place (other types are left alone). */
    static void round(Collection<NDArray> arrays) {
        for (NDArray array : arrays) {
            round(array);
        }
    }

    /**
     * Rounds one float32 array to bfloat16 precision in place: its values pass through a {@code float[]} (DJL has
     * no bit reinterpretation), so the largest array is briefly held once more on the Java heap. The rounded values
     * are copied into the array's own storage by an indexed assignment; {@code NDArray.set(Buffer)} would instead
     * re-point the tensor at a Java buffer that dies with the wrapper (a gradient's wrapper is closed after each step
     * while libtorch keeps accumulating into that tensor).
     */
    static void round(NDArray array) {
        if (array.getDataType() != DataType.FLOAT32) {
            return;
        }
        float[] values = array.toFloatArray();
        Bf16.roundInPlace(values);
        try (NDArray rounded = array.getManager().create(values, array.getShape())) {        // same shape
            array.set(ALL, rounded);
        }
    }

    /** Whether every value of {@code array} is a bfloat16 value (its low 16 bits are zero), for checks and tests. */
    static boolean representable(NDArray array) {
        for (float v : array.toFloatArray()) {
            if (!Float.isNaN(v) && (Float.floatToRawIntBits(v) & 0xFFFF) != 0) {
                return false;
            }
        }
        return true;
    }
}
