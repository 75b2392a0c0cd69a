package io.tuneforge.trainer.training.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checkpoint tensors (trainable weights, optimizer moments) in the safetensors layout: an 8-byte little-endian
 * header length, a JSON header ({@code __metadata__} first, then each tensor's dtype, shape and byte range in
 * insertion order), then the raw little-endian data. Streams tensor by tensor with long offsets (no 2 GiB limit).
 * Only the dtypes the trainer keeps state in are accepted: F32, F64, I64.
 */
public final class TensorFile {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TensorFile() {
    }

    /** Writes the tensors (in map order) to {@code file}; the caller renames a temporary directory afterwards. */
    public static void write(Path file, SequencedMap<String, NDArray> tensors) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray t = e.getValue();
            long bytes = t.getShape().size() * t.getDataType().getNumOfBytes();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", dtypeName(t.getDataType(), e.getKey()));
            var shape = entry.putArray("shape");
            for (long d : t.getShape().getShape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes = padded(JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8));
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).flip();
            writeFully(out, length);
            writeFully(out, ByteBuffer.wrap(headerBytes));
            for (NDArray t : tensors.values()) {
                writeFully(out, t.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
            }
            out.force(true);
        }
    }

    /** Reads every tensor of {@code file} into {@code manager}, in file order. */
    public static SequencedMap<String, NDArray> read(Path file, NDManager manager) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lengthBuffer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(in, lengthBuffer, 0, file);
            long headerLength = lengthBuffer.flip().getLong();
            if (headerLength <= 0 || headerLength > 100_000_000L) {
                throw new IOException(file + " is not a safetensors file (header length " + headerLength + ")");
            }
            ByteBuffer headerBuffer = ByteBuffer.allocate((int) headerLength);
            readFully(in, headerBuffer, 8, file);
            JsonNode header = JSON.readTree(new String(headerBuffer.array(), StandardCharsets.UTF_8));
            long dataStart = 8 + headerLength;
            SequencedMap<String, NDArray> out = new LinkedHashMap<>();
            for (String name : header.propertyNames()) {
                if (name.equals("__metadata__")) {
                    continue;
                }
                JsonNode entry = header.get(name);
                DataType type = dataType(entry.get("dtype").asString(), name, file);
                long[] dims = new long[entry.get("shape").size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = entry.get("shape").get(i).asLong();
                }
                long begin = entry.get("data_offsets").get(0).asLong();
                long end = entry.get("data_offsets").get(1).asLong();
                ByteBuffer data = ByteBuffer.allocateDirect(Math.toIntExact(end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(in, data, dataStart + begin, file);
                NDArray array = manager.create(data.flip(), new Shape(dims), type);
                array.setName(name);
                out.put(name, array);
            }
            return out;
        }
    }

    private static byte[] padded(byte[] json) {
        int padding = (8 - json.length % 8) % 8;
        byte[] out = java.util.Arrays.copyOf(json, json.length + padding);
        java.util.Arrays.fill(out, json.length, out.length, (byte) ' ');
        return out;
    }

    private static String dtypeName(DataType type, String name) {
        return switch (type) {
            case FLOAT32 -> "F32";
            case FLOAT64 -> "F64";
            case INT64 -> "I64";
            default -> throw new IllegalArgumentException("Cannot checkpoint tensor " + name + " of type " + type);
        };
    }

    private static DataType dataType(String name, String tensor, Path file) throws IOException {
        return switch (name) {
            case "F32" -> DataType.FLOAT32;
            case "F64" -> DataType.FLOAT64;
            case "I64" -> DataType.INT64;
            default -> throw new IOException(file + ": tensor " + tensor + " has unsupported dtype " + name);
        };
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static void readFully(FileChannel in, ByteBuffer buffer, long position, Path file) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int n = in.read(buffer, pos);
            if (n < 0) {
                throw new IOException(file + " is truncated: expected more data at byte " + pos);
            }
            pos += n;
        }
    }
}
