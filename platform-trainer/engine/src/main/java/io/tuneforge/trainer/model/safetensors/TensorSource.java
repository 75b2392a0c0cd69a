package io.tuneforge.trainer.model.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.function.Supplier;

/**
 * One tensor to write, produced only when the writer reaches it (so a merged or exported model never needs all its
 * weights in memory twice). The writer closes the produced array after writing it when {@code closeAfterWrite}.
 *
 * @param name            key in the file, e.g. {@code model.layers.0.mlp.up_proj.weight}
 * @param shape           dimensions, outermost first
 * @param dtype           element type for integer tensors; for floating-point tensors the writer's chosen float type wins
 * @param data            produces the values (any float or integer DJL type except BFLOAT16); null when
 *                        {@code bytes} writes them
 * @param closeAfterWrite whether the array from {@code data} is a temporary the writer should close
 * @param bytes           writes the stored bytes itself (no NDArray, no float[] of the whole tensor); null when
 *                        {@code data} produces them
 */
public record TensorSource(String name, long[] shape, SafetensorsDType dtype, Supplier<NDArray> data,
                           boolean closeAfterWrite, BytesWriter bytes) {

    /**
     * Writes one tensor's data, exactly {@code elements × stored.bytes()} little-endian bytes at the channel's
     * position (the writer checks the count).
     */
    @FunctionalInterface
    public interface BytesWriter {
        /**
         * @param out    the shard being written, positioned at the tensor's first byte
         * @param stored the dtype the header declares for this tensor
         */
        void write(FileChannel out, SafetensorsDType stored) throws IOException;
    }

    public TensorSource {
        shape = shape.clone();
    }

    /** An existing array, written as is (not closed). */
    public static TensorSource of(String name, NDArray array) {
        return new TensorSource(name, array.getShape().getShape(), dtypeOf(array.getDataType()), () -> array, false,
                null);
    }

    /** A tensor computed when written, then closed. */
    public static TensorSource lazy(String name, long[] shape, Supplier<NDArray> data) {
        return new TensorSource(name, shape, SafetensorsDType.F32, data, true, null);
    }

    /**
     * A tensor whose bytes {@code bytes} writes straight into the shard.
     *
     * @param dtype a floating-point dtype (the writer's float type is stored) or the integer dtype to store as is
     */
    public static TensorSource streamed(String name, long[] shape, SafetensorsDType dtype, BytesWriter bytes) {
        return new TensorSource(name, shape, dtype, null, false, bytes);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    static SafetensorsDType dtypeOf(DataType type) {
        return switch (type) {
            case FLOAT32 -> SafetensorsDType.F32;
            case FLOAT16 -> SafetensorsDType.F16;
            case FLOAT64 -> SafetensorsDType.F64;
            case INT64 -> SafetensorsDType.I64;
            case INT32 -> SafetensorsDType.I32;
            case INT8 -> SafetensorsDType.I8;
            case UINT8 -> SafetensorsDType.U8;
            case BOOLEAN -> SafetensorsDType.BOOL;
            default -> throw new SafetensorsException("cannot write an NDArray of type " + type + " to safetensors");
        };
    }
}
