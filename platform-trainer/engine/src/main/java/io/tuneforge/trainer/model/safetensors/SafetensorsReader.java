package io.tuneforge.trainer.model.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedSet;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Our own safetensors reader: one file, or a sharded checkpoint through {@code model.safetensors.index.json}.
 * Offsets are {@code long}, so files over 2 GiB work. Floats are read in chunks of {@value #READ_CHUNK_BYTES} bytes
 * (no mapping: a mapping stays resident until the GC collects its buffer) and converted to {@code float[]} in Java
 * (BF16 by {@code bits << 16}, F16 by {@link Float#float16ToFloat}), so DJL never sees a BF16 array;
 * {@link #readBytes} maps (read-only) for callers that want the bytes as they are. One reader serves one thread.
 *
 * <p>Layout: 8-byte little-endian header length N, N bytes of JSON header (tensor name to dtype, shape and
 * {@code data_offsets} relative to the data section; optional {@code __metadata__}), then the data.
 */
public final class SafetensorsReader implements AutoCloseable {

    /** The single-file checkpoint name of Hugging Face. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The index of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";

    /** Bytes read per call when a tensor is read without mapping ({@link #readFloats}, chunked bf16 bits). */
    static final int READ_CHUNK_BYTES = 8 << 20;
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, TensorInfo> tensors;
    private final Map<Path, FileChannel> channels = new LinkedHashMap<>();
    private final Map<String, String> metadata;
    private ByteBuffer readChunk;                 // reused by every chunked read, or null until the first

    private SafetensorsReader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens a safetensors file, or a model directory holding {@code model.safetensors.index.json} (sharded) or
     * {@code model.safetensors}, or an index file itself.
     */
    public static SafetensorsReader open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path index = path.resolve(INDEX_FILE);
            if (Files.isRegularFile(index)) {
                return openIndex(index);
            }
            Path single = path.resolve(SINGLE_FILE);
            if (Files.isRegularFile(single)) {
                return openFile(single);
            }
            throw new SafetensorsException(path + " holds neither " + SINGLE_FILE + " nor " + INDEX_FILE
                    + ": point --model at a Hugging Face model directory with safetensors weights");
        }
        if (path.getFileName().toString().endsWith(".index.json")) {
            return openIndex(path);
        }
        return openFile(path);
    }

    private static SafetensorsReader openFile(Path file) throws IOException {
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        readHeader(file, tensors, metadata);
        return new SafetensorsReader(tensors, metadata);
    }

    private static SafetensorsReader openIndex(Path index) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (JacksonException e) {
            throw new SafetensorsException(index + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode weightMap = root.path("weight_map");
        if (!weightMap.isObject()) {
            throw new SafetensorsException(index + " has no \"weight_map\" object (tensor name -> shard file)");
        }
        Map<String, TensorInfo> all = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        SequencedSet<String> shards = new LinkedHashSet<>();
        weightMap.properties().forEach(e -> shards.add(e.getValue().asString()));
        for (String shard : shards) {
            Path file = index.resolveSibling(shard);
            if (!Files.isRegularFile(file)) {
                throw new SafetensorsException(index + " names shard '" + shard + "', which is missing from "
                        + index.getParent());
            }
            readHeader(file, all, metadata);
        }
        for (var e : weightMap.properties()) {
            TensorInfo info = all.get(e.getKey());
            if (info == null) {
                throw new SafetensorsException(index + " lists tensor '" + e.getKey() + "' in shard '"
                        + e.getValue().asString() + "', but that shard does not contain it");
            }
        }
        return new SafetensorsReader(all, metadata);
    }

    private static void readHeader(Path file, Map<String, TensorInfo> into, Map<String, String> metadata)
            throws IOException {
        long fileSize = Files.size(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (fileSize < 8) {
                throw new SafetensorsException(file + " is too short to be a safetensors file (" + fileSize + " bytes)");
            }
            ByteBuffer lengthBuffer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBuffer, 0);
            long headerLength = lengthBuffer.flip().getLong();
            if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > fileSize) {
                throw new SafetensorsException(file + " has an invalid header length " + headerLength
                        + " (file size " + fileSize + "): the file is truncated or not safetensors");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8);
            JsonNode root;
            try {
                root = JSON.readTree(json);
            } catch (JacksonException e) {
                throw new SafetensorsException(file + " has a header that is not valid JSON: " + e.getOriginalMessage(), e);
            }
            long dataStart = 8 + headerLength;
            for (var e : root.properties()) {
                String name = e.getKey();
                JsonNode node = e.getValue();
                if (name.equals("__metadata__")) {
                    node.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asString()));
                    continue;
                }
                SafetensorsDType dtype = SafetensorsDType.parse(node.path("dtype").asString(""), name, file);
                JsonNode shapeNode = node.path("shape");
                long[] shape = new long[shapeNode.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asLong();
                }
                JsonNode offsets = node.path("data_offsets");
                if (offsets.size() != 2) {
                    throw new SafetensorsException(file + ": tensor '" + name + "' has no [begin, end] data_offsets");
                }
                long begin = dataStart + offsets.get(0).asLong();
                long end = dataStart + offsets.get(1).asLong();
                TensorInfo info = new TensorInfo(name, dtype, shape, file, begin, end);
                if (end > fileSize || begin > end || info.byteCount() != info.elementCount() * dtype.bytes()) {
                    throw new SafetensorsException(file + ": tensor '" + name + "' (" + dtype + " " + info.shapeText()
                            + ") has data_offsets that do not fit its shape or the file size; the file is damaged");
                }
                into.put(name, info);
            }
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new SafetensorsException("unexpected end of file while reading a safetensors header");
            }
        }
    }

    /** Tensor names in file order. */
    public SequencedSet<String> names() {
        return Collections.unmodifiableSequencedSet(new LinkedHashSet<>(tensors.keySet()));
    }

    /** The {@code __metadata__} entries (merged over shards). */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** The tensor's location, if present. */
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The tensor's location; a missing tensor fails naming it. */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new SafetensorsException("tensor '" + name + "' is not in the checkpoint");
        }
        return info;
    }

    /** The raw little-endian bytes of a tensor of at most 2 GiB, memory-mapped (read-only). */
    public ByteBuffer readBytes(String name) {
        TensorInfo info = info(name);
        if (info.byteCount() > Integer.MAX_VALUE) {
            throw new SafetensorsException("tensor '" + name + "' has " + info.byteCount()
                    + " bytes, more than one buffer holds: read it with readFloats");
        }
        return map(info, info.start(), info.byteCount()).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The tensor's elements as floats (F32, F16, BF16, F64 and integer types converted in Java). */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException("tensor '" + name + "' has " + count + " elements, more than a Java array holds");
        }
        float[] out = new float[(int) count];
        int elementBytes = info.dtype().bytes();
        ByteBuffer chunk = readChunk();
        long perChunk = chunk.capacity() / elementBytes;
        int written = 0;
        for (long first = 0; first < count; first += perChunk) {
            int n = (int) Math.min(perChunk, count - first);
            read(info, first * elementBytes, chunk.clear().limit(n * elementBytes));
            written = decodeFloats(info, chunk.flip(), n, out, written);
        }
        return out;
    }

    /**
     * Elements {@code firstElement .. firstElement + n} of a float tensor as floats into {@code out[0 .. n)}, read
     * from the file without mapping it: nothing of the checkpoint stays resident once the caller has copied them (a
     * mapping is released only when the GC collects its buffer).
     */
    public void readFloats(String name, long firstElement, float[] out, int n) {
        TensorInfo info = info(name);
        if (!info.dtype().isFloatingPoint()) {
            throw new SafetensorsException("tensor '" + name + "' is " + info.dtype() + ", not a float tensor");
        }
        if (firstElement < 0 || n < 0 || n > out.length || firstElement + n > info.elementCount()) {
            throw new IllegalArgumentException("elements " + firstElement + " .. " + (firstElement + n) + " of '"
                    + name + "' (" + info.elementCount() + " elements) into an array of " + out.length);
        }
        int elementBytes = info.dtype().bytes();
        ByteBuffer chunk = readChunk();
        int perChunk = chunk.capacity() / elementBytes;
        for (int done = 0; done < n; done += perChunk) {
            int m = Math.min(perChunk, n - done);
            read(info, (firstElement + done) * elementBytes, chunk.clear().limit(m * elementBytes));
            decodeFloats(info, chunk.flip(), m, out, done);
        }
    }

    /**
     * The one read buffer of this reader: a new 8 MB buffer per call grew the Java heap by hundreds of MB of garbage
     * during a load (the JVM keeps a grown heap resident).
     */
    private ByteBuffer readChunk() {
        if (readChunk == null) {
            readChunk = ByteBuffer.allocate(READ_CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }
        return readChunk;
    }

    /** Reads {@code into.remaining()} bytes of the tensor from byte {@code offset} of its data on. */
    private void read(TensorInfo info, long offset, ByteBuffer into) {
        try {
            FileChannel channel = channel(info);
            long position = info.start() + offset;
            while (into.hasRemaining()) {
                int n = channel.read(into, position);
                if (n < 0) {
                    throw new SafetensorsException(info.file() + " ends inside tensor '" + info.name() + "'");
                }
                position += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor '" + info.name() + "' from " + info.file(), e);
        }
    }

    private FileChannel channel(TensorInfo info) throws IOException {
        FileChannel channel = channels.get(info.file());
        if (channel == null) {
            channel = FileChannel.open(info.file(), StandardOpenOption.READ);
            channels.put(info.file(), channel);
        }
        return channel;
    }

    /**
     * The tensor as little-endian bfloat16 bits, 2 bytes per element: a BF16 tensor's bytes as they are (mapped, no
     * copy); other float types converted in Java (round to nearest even, as PyTorch's {@code .to(torch.bfloat16)}).
     */
    public ByteBuffer readBf16Bits(String name) {
        TensorInfo info = info(name);
        if (info.dtype() == SafetensorsDType.BF16) {
            return readBytes(name);
        }
        if (!info.dtype().isFloatingPoint()) {
            throw new SafetensorsException("tensor '" + name + "' is " + info.dtype() + ", not a float tensor");
        }
        float[] values = readFloats(name);
        ByteBuffer bits = ByteBuffer.allocateDirect(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            bits.putShort(Bf16.fromFloat(value));
        }
        return bits.flip();
    }

    /** The tensor's elements as longs (I64, I32, I8, U8, BOOL). */
    public long[] readLongs(String name) {
        TensorInfo info = info(name);
        ByteBuffer bytes = readBytes(name);
        long[] out = new long[(int) info.elementCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (info.dtype()) {
                case I64 -> bytes.getLong();
                case I32 -> bytes.getInt();
                case I8 -> bytes.get();
                case U8, BOOL -> bytes.get() & 0xFF;
                default -> throw new SafetensorsException("tensor '" + name + "' is " + info.dtype()
                        + ", not an integer tensor");
            };
        }
        return out;
    }

    /**
     * The tensor as an NDArray of {@code type} in {@code manager}. F32 and BF16 are created from Java floats; an F16
     * tensor loaded as FLOAT16, and a U8 tensor loaded as UINT8 (8-bit optimizer state), are created from their bytes.
     */
    public NDArray load(NDManager manager, String name, DataType type) {
        TensorInfo info = info(name);
        Shape shape = new Shape(info.shape());
        if (type == DataType.BFLOAT16) {
            throw new SafetensorsException("refusing to create a BFLOAT16 NDArray for '" + name
                    + "': DJL's PyTorch JNI crashes on bf16; load as FLOAT32 or FLOAT16");
        }
        if (type == DataType.INT64 || type == DataType.INT32) {
            long[] values = readLongs(name);
            NDArray longs = manager.create(values, shape);
            return type == DataType.INT64 ? longs : longs.toType(type, false);
        }
        if (type == DataType.UINT8 && info.dtype() == SafetensorsDType.U8) {
            ByteBuffer direct = ByteBuffer.allocateDirect((int) info.byteCount()).order(ByteOrder.nativeOrder());
            direct.put(readBytes(name));
            return manager.create(direct.flip(), shape, DataType.UINT8);
        }
        if (type == DataType.FLOAT16 && info.dtype() == SafetensorsDType.F16) {
            ByteBuffer direct = ByteBuffer.allocateDirect((int) info.byteCount()).order(ByteOrder.nativeOrder());
            ByteBuffer src = readBytes(name);
            direct.asShortBuffer().put(src.asShortBuffer());
            return manager.create(direct, shape, DataType.FLOAT16);
        }
        NDArray floats = manager.create(readFloats(name), shape);
        if (type == DataType.FLOAT32) {
            return floats;
        }
        NDArray converted = floats.toType(type, false);
        floats.close();
        return converted;
    }

    private static int decodeFloats(TensorInfo info, ByteBuffer src, int n, float[] out, int offset) {
        switch (info.dtype()) {
            case F32 -> src.asFloatBuffer().get(out, offset, n);
            case BF16 -> Bf16.decode(src.asShortBuffer(), n, out, offset);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[offset + i] = Float.float16ToFloat(src.getShort());
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[offset + i] = (float) src.getDouble();
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    out[offset + i] = src.getLong();
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[offset + i] = src.getInt();
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    out[offset + i] = src.get();
                }
            }
            case U8, BOOL -> {
                for (int i = 0; i < n; i++) {
                    out[offset + i] = src.get() & 0xFF;
                }
            }
        }
        return offset + n;
    }

    private MappedByteBuffer map(TensorInfo info, long position, long size) {
        try {
            return channel(info).map(FileChannel.MapMode.READ_ONLY, position, size);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map tensor '" + info.name() + "' from " + info.file(), e);
        }
    }

    @Override
    public void close() throws IOException {
        for (FileChannel channel : channels.values()) {
            channel.close();
        }
        channels.clear();
    }
}
