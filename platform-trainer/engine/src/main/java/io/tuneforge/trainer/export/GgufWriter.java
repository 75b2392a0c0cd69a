package io.tuneforge.trainer.export;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes a GGUF version 3 file (the format of llama.cpp and Ollama), little-endian:
 * <pre>
 *   "GGUF" | version u32 = 3 | tensor count u64 | metadata count u64
 *   metadata: key (u64 length + UTF-8) | value type u32 | value   (arrays: element type u32 | count u64 | elements)
 *   tensor infos: name | n_dims u32 | dims u64[n_dims] (innermost first) | ggml type u32 | offset u64
 *   padding to {@value #ALIGNMENT} bytes, then each tensor's data at its offset, each padded to {@value #ALIGNMENT}
 * </pre>
 * Metadata is kept in insertion order. Tensor values are pulled one tensor at a time from their suppliers while
 * writing, into a temporary file renamed over the target at the end (atomic for readers).
 */
public final class GgufWriter {

    /** Data alignment; the GGUF default when {@code general.alignment} is absent. */
    public static final int ALIGNMENT = 32;

    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    private static final int VERSION = 3;

    /** GGUF metadata value types ({@code enum gguf_type}). */
    private enum ValueType {
        UINT8(0), INT8(1), UINT16(2), INT16(3), UINT32(4), INT32(5), FLOAT32(6), BOOL(7), STRING(8), ARRAY(9),
        UINT64(10), INT64(11), FLOAT64(12);

        final int id;

        ValueType(int id) {
            this.id = id;
        }
    }

    private record Value(ValueType type, ValueType elementType, Object value) {
    }

    /**
     * One tensor to write.
     *
     * @param name  GGUF tensor name, e.g. {@code blk.0.attn_q.weight}
     * @param shape PyTorch-order shape ({@code [rows, cols]}, or {@code [experts, rows, cols]} for stacked experts);
     *              GGUF stores it reversed
     * @param type  storage type
     * @param parts supply the row-major float32 values when the tensor is written, one part after the other, each
     *              whole rows (a stacked expert tensor reads one expert per part, so only one is held at a time)
     */
    public record Tensor(String name, long[] shape, GgmlType type, List<Supplier<float[]>> parts) {

        public Tensor {
            parts = List.copyOf(parts);
            if (parts.isEmpty()) {
                throw new IllegalArgumentException(name + ": a tensor needs at least one part");
            }
        }

        /** A tensor whose values come from one supplier. */
        public Tensor(String name, long[] shape, GgmlType type, Supplier<float[]> values) {
            this(name, shape, type, List.of(values));
        }

        /** Values in the tensor. */
        public long elementCount() {
            return WeightSource.elementCount(shape);
        }
    }

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    public GgufWriter putString(String key, String value) {
        return put(key, new Value(ValueType.STRING, null, value));
    }

    public GgufWriter putUint32(String key, long value) {
        if (value < 0 || value > 0xFFFFFFFFL) {
            throw new IllegalArgumentException(key + " = " + value + " does not fit an unsigned 32-bit integer");
        }
        return put(key, new Value(ValueType.UINT32, null, value));
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, new Value(ValueType.INT32, null, value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, new Value(ValueType.FLOAT32, null, value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, new Value(ValueType.BOOL, null, value));
    }

    public GgufWriter putStringArray(String key, List<String> values) {
        return put(key, new Value(ValueType.ARRAY, ValueType.STRING, List.copyOf(values)));
    }

    public GgufWriter putFloat32Array(String key, float[] values) {
        return put(key, new Value(ValueType.ARRAY, ValueType.FLOAT32, values.clone()));
    }

    public GgufWriter putInt32Array(String key, int[] values) {
        return put(key, new Value(ValueType.ARRAY, ValueType.INT32, values.clone()));
    }

    private GgufWriter put(String key, Value value) {
        if (metadata.putIfAbsent(key, value) != null) {
            throw new IllegalArgumentException("metadata key " + key + " set twice");
        }
        return this;
    }

    /** Adds a tensor; its innermost dimension must hold whole blocks of its type. */
    public GgufWriter addTensor(Tensor tensor) {
        long inner = tensor.shape()[tensor.shape().length - 1];
        if (inner % tensor.type().blockSize != 0) {
            throw new IllegalArgumentException(tensor.name() + ": rows of " + inner + " values are not whole "
                    + tensor.type() + " blocks of " + tensor.type().blockSize);
        }
        if (tensors.stream().anyMatch(t -> t.name().equals(tensor.name()))) {
            throw new IllegalArgumentException("tensor " + tensor.name() + " added twice");
        }
        tensors.add(tensor);
        return this;
    }

    /** The tensors added so far, in file order. */
    public List<Tensor> tensors() {
        return List.copyOf(tensors);
    }

    /** Writes the file: a temporary file beside {@code target}, renamed over it when complete. */
    public void write(Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, "." + target.getFileName() + ".", ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] header = header();
                writeFully(out, ByteBuffer.wrap(header));
                writeFully(out, ByteBuffer.allocate(padding(header.length)));
                for (Tensor tensor : tensors) {
                    writeTensorData(out, tensor);
                }
                out.force(true);
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private byte[] header() {
        Encoder e = new Encoder();
        e.u32(MAGIC);
        e.u32(VERSION);
        e.u64(tensors.size());
        e.u64(metadata.size());
        metadata.forEach((key, value) -> {
            e.string(key);
            e.u32(value.type().id);
            if (value.type() == ValueType.ARRAY) {
                e.array(value.elementType(), value.value());
            } else {
                e.scalar(value.type(), value.value());
            }
        });
        long offset = 0;
        for (Tensor tensor : tensors) {
            long[] shape = tensor.shape();
            e.string(tensor.name());
            e.u32(shape.length);
            for (int i = shape.length - 1; i >= 0; i--) {
                e.u64(shape[i]);
            }
            e.u32(tensor.type().id);
            e.u64(offset);
            long size = tensor.type().byteSize(tensor.elementCount());
            offset += size + padding(size);
        }
        return e.bytes();
    }

    private static void writeTensorData(FileChannel out, Tensor tensor) throws IOException {
        int rowValues = (int) tensor.shape()[tensor.shape().length - 1];
        long written = 0;
        for (Supplier<float[]> part : tensor.parts()) {
            float[] values = part.get();
            if (values.length % rowValues != 0) {
                throw new IllegalStateException(tensor.name() + ": a part of " + values.length + " values is not whole "
                        + "rows of " + rowValues);
            }
            writeValues(out, tensor, values, rowValues);
            written += values.length;
        }
        if (written != tensor.elementCount()) {
            throw new IllegalStateException(tensor.name() + ": suppliers gave " + written + " values, shape needs "
                    + tensor.elementCount());
        }
        writeFully(out, ByteBuffer.allocate(padding(tensor.type().byteSize(written))));
    }

    private static void writeValues(FileChannel out, Tensor tensor, float[] values, int rowValues) throws IOException {
        // Encode in slices of whole rows so a multi-GB embedding never needs one buffer of its full size.
        int rowsPerSlice = Math.max(1, (16 << 20) / Math.max(1, rowValues * 4));
        ByteBuffer buffer = ByteBuffer.allocate((int) tensor.type().byteSize((long) rowsPerSlice * rowValues))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int start = 0; start < values.length; start += rowsPerSlice * rowValues) {
            int end = (int) Math.min(values.length, (long) start + (long) rowsPerSlice * rowValues);
            buffer.clear();
            tensor.type().encode(values, start, end, buffer);
            buffer.flip();
            writeFully(out, buffer);
        }
    }

    private static int padding(long size) {
        return (int) ((ALIGNMENT - size % ALIGNMENT) % ALIGNMENT);
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    /** Little-endian encoder of header values. */
    private static final class Encoder {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void u32(long v) {
            scratch.clear();
            scratch.putInt((int) v);
            bytes.write(scratch.array(), 0, 4);
        }

        void u64(long v) {
            scratch.clear();
            scratch.putLong(v);
            bytes.write(scratch.array(), 0, 8);
        }

        void f32(float v) {
            scratch.clear();
            scratch.putFloat(v);
            bytes.write(scratch.array(), 0, 4);
        }

        void string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            u64(utf8.length);
            bytes.write(utf8, 0, utf8.length);
        }

        void scalar(ValueType type, Object value) {
            switch (type) {
                case STRING -> string((String) value);
                case UINT32 -> u32((Long) value);
                case INT32 -> u32((Integer) value);
                case FLOAT32 -> f32((Float) value);
                case BOOL -> bytes.write((Boolean) value ? 1 : 0);
                default -> throw new IllegalStateException("unsupported scalar " + type);
            }
        }

        @SuppressWarnings("unchecked")
        void array(ValueType elementType, Object values) {
            u32(elementType.id);
            switch (elementType) {
                case STRING -> {
                    List<String> list = (List<String>) values;
                    u64(list.size());
                    list.forEach(this::string);
                }
                case FLOAT32 -> {
                    float[] array = (float[]) values;
                    u64(array.length);
                    for (float v : array) {
                        f32(v);
                    }
                }
                case INT32 -> {
                    int[] array = (int[]) values;
                    u64(array.length);
                    for (int v : array) {
                        u32(v);
                    }
                }
                default -> throw new IllegalStateException("unsupported array of " + elementType);
            }
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
