package io.tuneforge.trainer.export;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF v3 reader for tests, written from the format description (ggml's docs/gguf.md), independent of
 * {@link GgufWriter}: metadata values, tensor infos (dims innermost first, as ggml's {@code ne}) and the dequantized
 * values of F32, F16 and Q8_0 tensors.
 *
 * @param metadata key to value (Long for integers, Double for floats, Boolean, String, or a List for arrays)
 * @param tensors  tensor infos by name, in file order
 * @param bytes    the whole file
 * @param dataStart offset of the tensor data section
 */
record GgufFile(Map<String, Object> metadata, Map<String, Info> tensors, ByteBuffer bytes, long dataStart) {

    /**
     * One tensor info.
     *
     * @param ne     dimensions, innermost first
     * @param type   ggml type id
     * @param offset offset in the data section
     */
    record Info(List<Long> ne, int type, long offset) {
        long elements() {
            return ne.stream().reduce(1L, (a, b) -> a * b);
        }
    }

    static GgufFile read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != 0x46554747) {
            throw new IllegalStateException(file + ": not a GGUF file");
        }
        int version = b.getInt();
        if (version != 3) {
            throw new IllegalStateException(file + ": GGUF version " + version);
        }
        long tensorCount = b.getLong();
        long kvCount = b.getLong();
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string(b);
            metadata.put(key, value(b, b.getInt()));
        }
        Map<String, Info> tensors = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = string(b);
            int dims = b.getInt();
            List<Long> ne = new ArrayList<>();
            for (int d = 0; d < dims; d++) {
                ne.add(b.getLong());
            }
            tensors.put(name, new Info(List.copyOf(ne), b.getInt(), b.getLong()));
        }
        long alignment = metadata.containsKey("general.alignment") ? (Long) metadata.get("general.alignment") : 32;
        long dataStart = (b.position() + alignment - 1) / alignment * alignment;
        return new GgufFile(metadata, tensors, b, dataStart);
    }

    /** The values of a tensor as float32, row-major in PyTorch order (innermost dimension last). */
    float[] values(String name) {
        Info info = tensors.get(name);
        int n = (int) info.elements();
        float[] out = new float[n];
        int at = (int) (dataStart + info.offset());
        switch (info.type()) {
            case 0 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = bytes.getFloat(at + 4 * i);
                }
            }
            case 1 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat(bytes.getShort(at + 2 * i));
                }
            }
            case 8 -> {
                for (int block = 0; block < n / 32; block++) {
                    int base = at + block * 34;
                    float d = Float.float16ToFloat(bytes.getShort(base));
                    for (int j = 0; j < 32; j++) {
                        out[block * 32 + j] = d * bytes.get(base + 2 + j);
                    }
                }
            }
            default -> throw new IllegalStateException(name + ": ggml type " + info.type() + " not read here");
        }
        return out;
    }

    private static String string(ByteBuffer b) {
        byte[] utf8 = new byte[(int) b.getLong()];
        b.get(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static Object value(ByteBuffer b, int type) {
        return switch (type) {
            case 0 -> (long) (b.get() & 0xFF);
            case 1 -> (long) b.get();
            case 2 -> (long) (b.getShort() & 0xFFFF);
            case 3 -> (long) b.getShort();
            case 4 -> b.getInt() & 0xFFFFFFFFL;
            case 5 -> (long) b.getInt();
            case 6 -> (double) b.getFloat();
            case 7 -> b.get() != 0;
            case 8 -> string(b);
            case 9 -> {
                int elementType = b.getInt();
                long count = b.getLong();
                List<Object> list = new ArrayList<>();
                for (long i = 0; i < count; i++) {
                    list.add(value(b, elementType));
                }
                yield list;
            }
            case 10, 11 -> b.getLong();
            case 12 -> b.getDouble();
            default -> throw new IllegalStateException("unknown GGUF value type " + type);
        };
    }
}
