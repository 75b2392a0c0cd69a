package io.tuneforge.trainer.export;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tensors of a Hugging Face checkpoint directory ({@code model.safetensors}, or the shards listed in
 * {@code model.safetensors.index.json}), read one tensor at a time through memory maps of that tensor's bytes (64-bit
 * file offsets, mapped in windows of at most 1 GiB). F32, F16 and
 * BF16 are widened to float32 exactly (BF16 by {@code bits << 16}; DJL cannot touch BF16).
 */
public final class SafetensorsTensorSource implements TensorSource {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int WINDOW = 1 << 30;

    /** Where one tensor lies: its file, absolute byte range and dtype. */
    private record Entry(FileChannel file, String dtype, long[] shape, long start, long end, Path path) {
    }

    private final List<FileChannel> channels = new ArrayList<>();
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private SafetensorsTensorSource() {
    }

    /** Opens every {@code *.safetensors} file of a model directory (through its index when sharded). */
    public static SafetensorsTensorSource openModelDir(Path dir) {
        Path index = dir.resolve("model.safetensors.index.json");
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(index)) {
            JsonNode weightMap = JSON.readTree(index.toFile()).get("weight_map");
            if (weightMap == null) {
                throw new ExportException(index + ": no \"weight_map\" object; is this a safetensors index?");
            }
            weightMap.forEach(file -> {
                Path p = dir.resolve(file.asString());
                if (!files.contains(p)) {
                    files.add(p);
                }
            });
        } else if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
            files.add(dir.resolve("model.safetensors"));
        } else {
            throw new ExportException(dir + ": neither model.safetensors nor model.safetensors.index.json found; "
                    + "point --model at a Hugging Face model directory");
        }
        return open(files);
    }

    /** Opens the given safetensors files as one source (names must be unique across them). */
    public static SafetensorsTensorSource open(List<Path> files) {
        SafetensorsTensorSource source = new SafetensorsTensorSource();
        try {
            for (Path file : files) {
                source.map(file);
            }
            return source;
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    private void map(Path file) {
        FileChannel channel;
        long fileSize;
        byte[] headerBytes;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
            channels.add(channel);
            fileSize = channel.size();
            if (fileSize < 8) {
                throw new ExportException(file + ": too short for a safetensors file");
            }
            long headerSize = readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerSize <= 0 || headerSize > 100_000_000 || 8 + headerSize > fileSize) {
                throw new ExportException(file + ": header length " + headerSize + " does not fit the file; "
                        + "is it a safetensors file?");
            }
            headerBytes = readFully(channel, 8, (int) headerSize).array();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        long dataStart = 8 + headerBytes.length;
        JsonNode header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
        for (var field : header.properties()) {
            if (field.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode info = field.getValue();
            JsonNode shapeNode = info.get("shape");
            long[] shape = new long[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeNode.get(i).asLong();
            }
            long start = dataStart + info.get("data_offsets").get(0).asLong();
            long end = dataStart + info.get("data_offsets").get(1).asLong();
            if (end > fileSize) {
                throw new ExportException(file + ": tensor " + field.getKey() + " ends past the end of the file");
            }
            if (entries.put(field.getKey(), new Entry(channel, info.get("dtype").asString(), shape, start, end, file))
                    != null) {
                throw new ExportException(file + ": tensor " + field.getKey() + " appears in two files");
            }
        }
    }

    @Override
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    @Override
    public long[] shape(String name) {
        return entry(name).shape().clone();
    }

    /** The stored dtype ({@code F32}, {@code F16}, {@code BF16}, ...). */
    public String dtype(String name) {
        return entry(name).dtype();
    }

    @Override
    public float[] read(String name) {
        Entry e = entry(name);
        long count = TensorSource.elementCount(e.shape());
        if (count > Integer.MAX_VALUE - 8) {
            throw new ExportException(name + " has " + count + " values, more than one Java array holds");
        }
        int width = switch (e.dtype()) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new ExportException(e.path() + ": tensor " + name + " has dtype " + e.dtype()
                    + "; only F32, F16 and BF16 weights can be exported");
        };
        requireBytes(e, name, count * width);
        float[] out = new float[(int) count];
        int done = 0;
        int valuesPerWindow = WINDOW / width;
        try {
            while (done < out.length) {
                int n = Math.min(valuesPerWindow, out.length - done);
                MappedByteBuffer window = e.file().map(FileChannel.MapMode.READ_ONLY,
                        e.start() + (long) done * width, (long) n * width);
                window.order(ByteOrder.LITTLE_ENDIAN);
                decode(e.dtype(), window, out, done, n);
                done += n;
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read tensor " + name + " from " + e.path(), ex);
        }
        return out;
    }

    private static void decode(String dtype, ByteBuffer in, float[] out, int offset, int n) {
        switch (dtype) {
            case "F32" -> in.asFloatBuffer().get(out, offset, n);
            case "F16" -> {
                for (int i = 0; i < n; i++) {
                    out[offset + i] = Float.float16ToFloat(in.getShort());
                }
            }
            default -> { // BF16: the high half of a float32
                for (int i = 0; i < n; i++) {
                    out[offset + i] = Float.intBitsToFloat((in.getShort() & 0xFFFF) << 16);
                }
            }
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return buffer.flip();
    }

    private static void requireBytes(Entry e, String name, long bytes) {
        if (e.end() - e.start() != bytes) {
            throw new ExportException(e.path() + ": tensor " + name + " holds " + (e.end() - e.start())
                    + " bytes, its shape and dtype need " + bytes);
        }
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new ExportException("no tensor named " + name + " in the checkpoint");
        }
        return e;
    }

    @Override
    public void close() {
        for (FileChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a read-only channel: nothing to recover
            }
        }
    }
}
