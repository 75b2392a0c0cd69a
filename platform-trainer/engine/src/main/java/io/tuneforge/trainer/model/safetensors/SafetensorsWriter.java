package io.tuneforge.trainer.model.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

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
import java.util.SequencedMap;
import java.util.UUID;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Our own safetensors writer: streams tensor by tensor (each produced only when written), long offsets, the
 * {@code {"__metadata__":{"format":"pt"}}} header some Hugging Face loaders require, keys in the given order,
 * F32/F16/BF16 output for floating-point tensors (BF16 converted in Java), sharding by a maximum shard size with
 * {@code model.safetensors.index.json}. Every file is written under a temporary name and renamed into place; for a
 * sharded model the index is renamed last, so a reader never sees a half-written checkpoint.
 */
public final class SafetensorsWriter {

    /** Hugging Face's default shard size for {@code save_pretrained} (5 GB). */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int CHUNK_ELEMENTS = 1 << 20;

    private SafetensorsWriter() {
    }

    /** Writes arrays (in map order) to one file, floating-point tensors as {@code floatType}; atomic. */
    public static void writeFile(Path file, SequencedMap<String, NDArray> tensors, SafetensorsDType floatType)
            throws IOException {
        List<TensorSource> sources = new ArrayList<>();
        tensors.forEach((name, array) -> sources.add(TensorSource.of(name, array)));
        writeFile(file, sources, floatType);
    }

    /** Writes the sources (in order) to one file, floating-point tensors as {@code floatType}; atomic. */
    public static void writeFile(Path file, List<TensorSource> sources, SafetensorsDType floatType) throws IOException {
        Path temp = temporarySibling(file);
        try {
            writeShard(temp, sources, floatType);
            moveAtomically(temp, file);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Writes a model's weights into {@code directory}: {@code model.safetensors} when they fit in one shard, else
     * {@code model-0000i-of-0000n.safetensors} plus {@code model.safetensors.index.json}. Tensors are never split.
     *
     * @return the files written, index last
     */
    public static List<Path> writeModel(Path directory, List<TensorSource> sources, SafetensorsDType floatType,
                                        long maxShardBytes) throws IOException {
        Files.createDirectories(directory);
        List<List<TensorSource>> shards = planShards(sources, floatType, maxShardBytes);
        List<Path> written = new ArrayList<>();
        if (shards.size() == 1) {
            Path file = directory.resolve(SafetensorsReader.SINGLE_FILE);
            writeFile(file, shards.getFirst(), floatType);
            written.add(file);
            return written;
        }
        List<Path> temps = new ArrayList<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        long totalBytes = 0;
        try {
            for (int i = 0; i < shards.size(); i++) {
                String shardName = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                Path temp = temporarySibling(directory.resolve(shardName));
                temps.add(temp);
                writeShard(temp, shards.get(i), floatType);
                for (TensorSource s : shards.get(i)) {
                    weightMap.put(s.name(), shardName);
                    totalBytes += s.elementCount() * stored(s, floatType).bytes();
                }
            }
            for (int i = 0; i < shards.size(); i++) {
                Path target = directory.resolve(String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size()));
                moveAtomically(temps.get(i), target);
                written.add(target);
            }
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", totalBytes);
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            Path indexFile = directory.resolve(SafetensorsReader.INDEX_FILE);
            Path indexTemp = temporarySibling(indexFile);
            Files.writeString(indexTemp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
            moveAtomically(indexTemp, indexFile);
            written.add(indexFile);
            return written;
        } finally {
            for (Path temp : temps) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static List<List<TensorSource>> planShards(List<TensorSource> sources, SafetensorsDType floatType,
                                                       long maxShardBytes) {
        List<List<TensorSource>> shards = new ArrayList<>();
        List<TensorSource> current = new ArrayList<>();
        long currentBytes = 0;
        for (TensorSource s : sources) {
            long bytes = s.elementCount() * stored(s, floatType).bytes();
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(s);
            currentBytes += bytes;
        }
        shards.add(current);
        return shards;
    }

    private static SafetensorsDType stored(TensorSource s, SafetensorsDType floatType) {
        return s.dtype().isFloatingPoint() ? floatType : s.dtype();
    }

    private static void writeShard(Path file, List<TensorSource> sources, SafetensorsDType floatType)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (TensorSource s : sources) {
            SafetensorsDType dtype = stored(s, floatType);
            long bytes = s.elementCount() * dtype.bytes();
            ObjectNode entry = header.putObject(s.name());
            entry.put("dtype", dtype.name());
            var shape = entry.putArray("shape");
            for (long d : s.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] headerBytes = padToEight(JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8));
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            writeFully(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).flip());
            writeFully(out, ByteBuffer.wrap(headerBytes));
            // one chunk buffer per file: a direct buffer per tensor would stay resident until a GC
            ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK_ELEMENTS * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (TensorSource s : sources) {
                writeTensor(out, s, stored(s, floatType), buffer);
            }
            out.force(true);
        }
    }

    private static void writeTensor(FileChannel out, TensorSource source, SafetensorsDType dtype, ByteBuffer buffer)
            throws IOException {
        if (source.bytes() != null) {
            long start = out.position();
            source.bytes().write(out, dtype);
            long written = out.position() - start;
            if (written != source.elementCount() * dtype.bytes()) {
                throw new SafetensorsException("tensor '" + source.name() + "' was declared with "
                        + source.elementCount() + " " + dtype + " elements but " + written + " bytes were written");
            }
            return;
        }
        NDArray array = source.data().get();
        try {
            if (array.getShape().size() != source.elementCount()) {
                throw new SafetensorsException("tensor '" + source.name() + "' was declared with "
                        + source.elementCount() + " elements but produced shape " + array.getShape());
            }
            if (!dtype.isFloatingPoint()) {
                DataType type = switch (dtype) {
                    case I64 -> DataType.INT64;
                    case I32 -> DataType.INT32;
                    case I8 -> DataType.INT8;
                    case U8 -> DataType.UINT8;
                    default -> DataType.BOOLEAN;
                };
                NDArray typed = array.getDataType() == type ? array : array.toType(type, false);
                writeFully(out, typed.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
                if (typed != array) {
                    typed.close();
                }
                return;
            }
            NDArray f32 = array.getDataType() == DataType.FLOAT32 ? array : array.toType(DataType.FLOAT32, false);
            try (NDArray flat = f32.reshape(-1)) {                                              // (n) view
                long n = source.elementCount();
                // chunk by chunk: the Java heap never holds a whole tensor (a 622 MB embedding grew the heap, which
                // the JVM then kept resident)
                for (long start = 0; start < n; start += CHUNK_ELEMENTS) {
                    long end = Math.min(n, start + CHUNK_ELEMENTS);
                    try (NDArray part = flat.get(new NDIndex("{}:{}", start, end))) {           // (end - start)
                        writeFloats(out, part.toFloatArray(), dtype, buffer);
                    }
                }
            } finally {
                if (f32 != array) {
                    f32.close();
                }
            }
        } finally {
            if (source.closeAfterWrite()) {
                array.close();
            }
        }
    }

    /** Writes {@code values} (at most {@value #CHUNK_ELEMENTS}·8 bytes per chunk of {@code buffer}) as {@code dtype}. */
    private static void writeFloats(FileChannel out, float[] values, SafetensorsDType dtype, ByteBuffer buffer)
            throws IOException {
        for (int start = 0; start < values.length; start += CHUNK_ELEMENTS) {
            int end = Math.min(values.length, start + CHUNK_ELEMENTS);
            buffer.clear();
            if (dtype == SafetensorsDType.BF16 || dtype == SafetensorsDType.F32) {
                // bulk copies: a put per element costs more than the disk write
                if (dtype == SafetensorsDType.BF16) {
                    Bf16.encode(values, start, end - start, buffer.asShortBuffer());
                } else {
                    buffer.asFloatBuffer().put(values, start, end - start);
                }
                buffer.position((end - start) * dtype.bytes());
                writeFully(out, buffer.flip());
                continue;
            }
            for (int i = start; i < end; i++) {
                switch (dtype) {
                    case F32 -> buffer.putFloat(values[i]);
                    case F16 -> buffer.putShort(Float.floatToFloat16(values[i]));
                    case BF16 -> buffer.putShort(Bf16.fromFloat(values[i]));
                    case F64 -> buffer.putDouble(values[i]);
                    default -> throw new IllegalStateException(dtype.name());
                }
            }
            writeFully(out, buffer.flip());
        }
    }

    private static byte[] padToEight(byte[] header) {
        int padded = (header.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(header, 0, out, 0, header.length);
        for (int i = header.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    /** A temporary file beside {@code target} (same directory, so the rename is atomic). */
    static Path temporarySibling(Path target) {
        Path parent = target.toAbsolutePath().getParent();
        return parent.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    }

    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
