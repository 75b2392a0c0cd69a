package io.tuneforge.trainer.export;

import io.tuneforge.trainer.model.safetensors.SafetensorsException;
import io.tuneforge.trainer.model.safetensors.SafetensorsReader;
import io.tuneforge.trainer.model.safetensors.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The weights of a safetensors checkpoint (a model directory, sharded or not, or one file) as a {@link WeightSource},
 * read through the model package's memory-mapped {@link SafetensorsReader} (F32/F16/BF16 widened in Java).
 */
public final class SafetensorsWeightSource implements WeightSource {

    private final SafetensorsReader reader;
    private final List<String> names;

    private SafetensorsWeightSource(SafetensorsReader reader) {
        this.reader = reader;
        this.names = List.copyOf(reader.names());
    }

    /** Opens {@code model.safetensors} or the shards of {@code model.safetensors.index.json} in {@code dir}. */
    public static SafetensorsWeightSource openModelDir(Path dir) {
        return open(dir);
    }

    /** Opens a model directory, an index file or a single safetensors file. */
    public static SafetensorsWeightSource open(Path path) {
        try {
            return new SafetensorsWeightSource(SafetensorsReader.open(path));
        } catch (SafetensorsException e) {
            throw new ExportException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public long[] shape(String name) {
        return info(name).shape();
    }

    /** Where and how the tensor is stored. */
    public TensorInfo info(String name) {
        try {
            return reader.info(name);
        } catch (SafetensorsException e) {
            throw new ExportException(e.getMessage(), e);
        }
    }

    @Override
    public float[] read(String name) {
        TensorInfo info = info(name);
        if (!info.dtype().isFloatingPoint()) {
            throw new ExportException(info.file() + ": tensor " + name + " has dtype " + info.dtype()
                    + "; only floating-point weights can be merged or exported");
        }
        try {
            return reader.readFloats(name);
        } catch (SafetensorsException e) {
            throw new ExportException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
