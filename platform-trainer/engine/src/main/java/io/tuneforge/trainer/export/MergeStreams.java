package io.tuneforge.trainer.export;

import io.tuneforge.trainer.model.safetensors.Bf16;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import io.tuneforge.trainer.model.safetensors.TensorInfo;
import io.tuneforge.trainer.model.safetensors.TensorSource;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The merged model's tensors as {@link TensorSource}s that write their own bytes, one tensor at a time, in slabs of
 * rows of about {@value #SLAB_BYTES} bytes read from the checkpoint file (positional reads, no mapping, so the
 * resident memory stays at two slabs whatever the model's size):
 * <ul>
 *   <li>a tensor the adapter leaves alone, stored in the dtype it already has, is written byte for byte as read; in
 *       a bf16 or fp16 slab holding a NaN, every element goes through float32 and back as before (which writes each
 *       NaN as the canonical quiet NaN);</li>
 *   <li>any other slab is decoded to float32 in row blocks of {@link RowMerge#BLOCK_ELEMENTS}, merged
 *       ({@link LoraAdapter#rowMerge}), rounded to the stored dtype (bfloat16 to nearest even) and written with one
 *       sequential write; the blocks run in parallel.</li>
 * </ul>
 * The bytes equal those of the element-by-element path ({@link MergedWeightSource} through
 * {@link io.tuneforge.trainer.model.safetensors.SafetensorsWriter}'s float route): the same decode, the same float32
 * arithmetic per element in the same order, the same rounding.
 */
final class MergeStreams implements AutoCloseable {

    /** Bytes of source (or of output, whichever is larger) per slab of rows. */
    static final int SLAB_BYTES = 16 << 20;

    private final SafetensorsWeightSource base;
    private final LoraAdapter adapter;
    /** Open read channels of the checkpoint's files, by path. */
    private final Map<Path, FileChannel> inputs = new LinkedHashMap<>();
    /** The slab read (source bytes) and the slab written (stored bytes), reused across tensors; grown on demand. */
    private ByteBuffer read = ByteBuffer.allocateDirect(0);
    private ByteBuffer written = ByteBuffer.allocateDirect(0);

    MergeStreams(SafetensorsWeightSource base, LoraAdapter adapter) {
        this.base = base;
        this.adapter = adapter;
    }

    /** One source per base tensor, in file order; {@code progress} hears of each tensor written. */
    List<TensorSource> sources(TensorProgress progress) {
        List<TensorSource> sources = new ArrayList<>();
        int total = base.names().size();
        int[] done = {0};
        for (String name : base.names()) {
            TensorInfo info = base.info(name);
            if (!info.dtype().isFloatingPoint()) {
                throw new ExportException(info.file() + ": tensor " + name + " has dtype " + info.dtype()
                        + "; only floating-point weights can be merged or exported");
            }
            sources.add(TensorSource.streamed(name, info.shape(), SafetensorsDType.F32, (out, stored) -> {
                write(info, out, stored);
                progress.tensorsDone(++done[0], total);
            }));
        }
        return sources;
    }

    /** A float32 tensor held in memory (the classification head) written in the stored dtype. */
    static TensorSource ofFloats(String name, long[] shape, float[] values) {
        return TensorSource.streamed(name, shape, SafetensorsDType.F32, (out, stored) -> {
            ByteBuffer bytes = ByteBuffer.allocate(values.length * stored.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            encode(values, stored, bytes, 0);
            writeFully(out, bytes);
        });
    }

    private void write(TensorInfo info, FileChannel out, SafetensorsDType stored) throws IOException {
        long[] shape = info.shape();
        Optional<RowMerge> merge = adapter.rowMerge(info.name(), shape);
        FileChannel in = input(info.file());
        int rows = RowMerge.rows(shape);
        int cols = RowMerge.columns(shape);
        SafetensorsDType from = info.dtype();
        boolean asStored = merge.isEmpty() && from == stored && keepsBits(from);
        long rowBytes = (long) cols * Math.max(from.bytes(), asStored ? 0 : stored.bytes());
        int slabRows = (int) Math.max(1, Math.min(rows, SLAB_BYTES / Math.max(1, rowBytes)));
        for (int first = 0; first < rows; first += slabRows) {
            int count = Math.min(slabRows, rows - first);
            int elements = Math.multiplyExact(count, cols);
            ByteBuffer source = readSlab(in, info.start() + (long) first * cols * from.bytes(), elements * from.bytes());
            if (asStored) {
                canonicalNaNs(source, from);
                writeFully(out, source);
            } else {
                writeFully(out, mergeSlab(source, from, merge, first, count, cols, stored));
            }
        }
    }

    /**
     * Whether a dtype's bytes stay as they are through float32 and back (the float route): F32 always, BF16 and F16
     * except NaN payloads ({@link #canonicalNaNs}); F64 is narrowed to float32 by the float route, so no.
     */
    private static boolean keepsBits(SafetensorsDType dtype) {
        return dtype == SafetensorsDType.F32 || dtype == SafetensorsDType.BF16 || dtype == SafetensorsDType.F16;
    }

    /** The slab decoded, merged and encoded block by block in parallel (blocks are disjoint row ranges). */
    private ByteBuffer mergeSlab(ByteBuffer source, SafetensorsDType from, Optional<RowMerge> merge, int first,
                                 int count, int cols, SafetensorsDType stored) {
        ByteBuffer target = written(count * cols * stored.bytes());
        RowMerge.forEachBlock(count, cols, (blockFirst, blockRows) -> {
            float[] block = new float[blockRows * cols];                        // (blockRows, cols)
            int element = blockFirst * cols;
            decode(source.slice(element * from.bytes(), block.length * from.bytes()).order(ByteOrder.LITTLE_ENDIAN),
                    from, block);
            merge.ifPresent(m -> m.apply(block, 0, first + blockFirst, blockRows));
            encode(block, stored, target.slice(element * stored.bytes(), block.length * stored.bytes())
                    .order(ByteOrder.LITTLE_ENDIAN), 0);
        });
        return target;
    }

    /**
     * In a bf16 or fp16 slab holding a NaN, every element through float32 and back, as the float route writes it
     * (a NaN becomes the canonical quiet NaN there); other values keep their bits either way.
     */
    private static void canonicalNaNs(ByteBuffer slab, SafetensorsDType dtype) {
        if (dtype == SafetensorsDType.F32) {
            return;
        }
        ShortBuffer bits = slab.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        short[] chunk = new short[Math.min(bits.remaining(), RowMerge.BLOCK_ELEMENTS)];
        int nanAbove = dtype == SafetensorsDType.BF16 ? 0x7F80 : 0x7C00;       // exponent all ones, mantissa > 0
        for (int done = 0; done < bits.limit(); done += chunk.length) {
            int n = Math.min(chunk.length, bits.limit() - done);
            bits.get(done, chunk, 0, n);
            int max = 0;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, chunk[i] & 0x7FFF);
            }
            if (max > nanAbove) {
                for (int i = 0; i < n; i++) {
                    chunk[i] = dtype == SafetensorsDType.BF16 ? Bf16.fromFloat(Bf16.toFloat(chunk[i]))
                            : Float.floatToFloat16(Float.float16ToFloat(chunk[i]));
                }
                bits.put(done, chunk, 0, n);
            }
        }
    }

    /** Decodes {@code out.length} elements as the safetensors reader widens them. */
    private static void decode(ByteBuffer source, SafetensorsDType dtype, float[] out) {
        int n = out.length;
        switch (dtype) {
            case F32 -> source.asFloatBuffer().get(out, 0, n);
            case BF16 -> Bf16.decode(source.asShortBuffer(), n, out, 0);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat(source.getShort(2 * i));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) source.getDouble(8 * i);
                }
            }
            default -> throw new IllegalStateException("not a float dtype: " + dtype);
        }
    }

    /** Encodes {@code values} from {@code byteOffset} on as the safetensors writer stores floats. */
    private static void encode(float[] values, SafetensorsDType dtype, ByteBuffer target, int byteOffset) {
        int n = values.length;
        switch (dtype) {
            case F32 -> target.slice(byteOffset, 4 * n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
            case BF16 -> Bf16.encode(values, 0, n, target.slice(byteOffset, 2 * n).order(ByteOrder.LITTLE_ENDIAN)
                    .asShortBuffer());
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    target.putShort(byteOffset + 2 * i, Float.floatToFloat16(values[i]));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    target.putDouble(byteOffset + 8 * i, values[i]);
                }
            }
            default -> throw new IllegalStateException("not a float dtype: " + dtype);
        }
    }

    /** {@code bytes} bytes of {@code in} from {@code position} into the reused read buffer. */
    private ByteBuffer readSlab(FileChannel in, long position, int bytes) throws IOException {
        if (read.capacity() < bytes) {
            read = ByteBuffer.allocateDirect(bytes);
        }
        ByteBuffer slab = read.clear().limit(bytes).slice().order(ByteOrder.LITTLE_ENDIAN);
        while (slab.hasRemaining()) {
            if (in.read(slab, position + slab.position()) < 0) {
                throw new EOFException("the checkpoint ended before byte " + (position + bytes));
            }
        }
        return slab.flip();
    }

    /** The reused write buffer with room for {@code bytes}, little-endian, limit {@code bytes}. */
    private ByteBuffer written(int bytes) {
        if (written.capacity() < bytes) {
            written = ByteBuffer.allocateDirect(bytes);
        }
        return written.clear().limit(bytes).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    private FileChannel input(Path file) {
        return inputs.computeIfAbsent(file, f -> {
            try {
                return FileChannel.open(f, StandardOpenOption.READ);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f, e);
            }
        });
    }

    @Override
    public void close() {
        IOException failure = null;
        for (FileChannel channel : inputs.values()) {
            try {
                channel.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        inputs.clear();
        if (failure != null) {
            throw new UncheckedIOException(failure);
        }
    }
}
