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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The merged model's tensors as {@link TensorSource}s that write their own bytes, one tensor at a time, in slabs of
 * rows of about {@value #SLAB_BYTES} bytes. Each slab is filled by row blocks in parallel, each block reading its own
 * bytes from the checkpoint file (positional reads, no mapping, so the resident memory stays at two slabs whatever
 * the model's size), and written by a writer thread while the next slab is filled:
 * <ul>
 *   <li>a tensor the adapter leaves alone, stored in the dtype it already has, is copied byte for byte by the kernel
 *       ({@link FileChannel#transferTo}; on this kind of host a copy through user memory costs several times the
 *       CPU); a bf16 or fp16 tensor holding a NaN is read slab by slab instead, every element of a slab holding a NaN
 *       going through float32 and back as before (which writes each NaN as the canonical quiet NaN);</li>
 *   <li>any other slab is decoded to float32 in row blocks of {@link RowMerge#BLOCK_ELEMENTS}, merged
 *       ({@link LoraAdapter#rowMerge}) and rounded to the stored dtype (bfloat16 to nearest even) into the slab; the
 *       blocks run in parallel, the slab is written by {@link SlabWriter}.</li>
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
    private final Map<Path, FileChannel> inputs = new ConcurrentHashMap<>();
    /** Two slab buffers written in turn by one writer thread. */
    private final SlabWriter slabs = new SlabWriter(SLAB_BYTES);
    /** A block's floats, per thread (a new array per block would churn gigabytes through the heap). */
    private final ThreadLocal<float[]> blockFloats = ThreadLocal.withInitial(() -> new float[RowMerge.BLOCK_ELEMENTS]);
    /** Scratch for bf16 bits, per thread. */
    private final ThreadLocal<short[]> blockBits = ThreadLocal.withInitial(() -> new short[RowMerge.BLOCK_ELEMENTS]);
    /** A block's source bytes, per thread. */
    private final ThreadLocal<ByteBuffer> blockBytes = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(RowMerge.BLOCK_ELEMENTS * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN));

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
            encode(values, values.length, stored, bytes, new short[RowMerge.BLOCK_ELEMENTS]);
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
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
        long rowBytes = (long) cols * Math.max(from.bytes(), stored.bytes());
        int slabRows = (int) Math.max(1, Math.min(rows, SLAB_BYTES / Math.max(1, rowBytes)));
        if (asStored && !holdsNaN(in, info)) {
            transferFully(in, info.start(), info.byteCount(), out);
            return;
        }
        long position = out.position();
        for (int first = 0; first < rows; first += slabRows) {
            int count = Math.min(slabRows, rows - first);
            ByteBuffer target = slabs.next(Math.multiplyExact(count * cols, stored.bytes()));
            long sourceStart = info.start() + (long) first * cols * from.bytes();
            int slabFirst = first;
            RowMerge.forEachBlock(count, cols, (blockFirst, blockRows) -> {
                int element = blockFirst * cols;
                int elements = blockRows * cols;
                ByteBuffer bytes = target.slice(element * stored.bytes(), elements * stored.bytes())
                        .order(ByteOrder.LITTLE_ENDIAN);
                long at = sourceStart + (long) element * from.bytes();
                if (asStored) {
                    read(in, at, bytes);
                    canonicalNaNs(bytes, from);
                } else {
                    ByteBuffer source = blockBuffer(elements * from.bytes());
                    read(in, at, source);
                    float[] block = blockFloats(elements);                         // (blockRows, cols)
                    short[] bits = blockBits.get();
                    decode(source, from, block, elements, bits);
                    merge.ifPresent(m -> m.apply(block, 0, slabFirst + blockFirst, blockRows));
                    encode(block, elements, stored, bytes, bits);
                }
            });
            slabs.write(out, target, position);
            position += target.limit();
        }
        slabs.awaitWritten();
        out.position(position);
    }

    /**
     * Whether a dtype's bytes stay as they are through float32 and back (the float route): F32 always, BF16 and F16
     * except NaN payloads ({@link #canonicalNaNs}); F64 is narrowed to float32 by the float route, so no.
     */
    private static boolean keepsBits(SafetensorsDType dtype) {
        return dtype == SafetensorsDType.F32 || dtype == SafetensorsDType.BF16 || dtype == SafetensorsDType.F16;
    }

    /** Whether a bf16 or fp16 tensor holds a NaN, read block by block (never for F32, whose bits always stay). */
    private boolean holdsNaN(FileChannel in, TensorInfo info) {
        if (info.dtype() == SafetensorsDType.F32) {
            return false;
        }
        int nanAbove = info.dtype() == SafetensorsDType.BF16 ? 0x7F80 : 0x7C00;    // exponent all ones, mantissa > 0
        int blockBytes = 2 * RowMerge.BLOCK_ELEMENTS;
        short[] bits = new short[RowMerge.BLOCK_ELEMENTS];
        for (long done = 0; done < info.byteCount(); done += blockBytes) {
            int n = (int) Math.min(blockBytes, info.byteCount() - done);
            ByteBuffer block = blockBuffer(n);
            read(in, info.start() + done, block);
            block.asShortBuffer().get(bits, 0, n / 2);
            int max = 0;
            for (int i = 0; i < n / 2; i++) {
                max = Math.max(max, bits[i] & 0x7FFF);
            }
            if (max > nanAbove) {
                return true;
            }
        }
        return false;
    }

    /** Copies {@code count} bytes of {@code in} from {@code position} to {@code out}'s position, in the kernel. */
    private static void transferFully(FileChannel in, long position, long count, FileChannel out) throws IOException {
        for (long done = 0; done < count; ) {
            long n = in.transferTo(position + done, count - done, out);
            if (n <= 0) {
                throw new IOException("copying " + count + " bytes from the checkpoint stopped after " + done);
            }
            done += n;
        }
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

    /** Decodes {@code n} elements into {@code out} as the safetensors reader widens them. */
    private static void decode(ByteBuffer source, SafetensorsDType dtype, float[] out, int n, short[] scratch) {
        switch (dtype) {
            case F32 -> source.asFloatBuffer().get(out, 0, n);
            case BF16 -> Bf16.decode(source.asShortBuffer(), n, out, 0, scratch);
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

    /** Encodes {@code values[0 .. n)} into {@code target} (from its index 0) as the safetensors writer stores floats. */
    private static void encode(float[] values, int n, SafetensorsDType dtype, ByteBuffer target, short[] scratch) {
        switch (dtype) {
            case F32 -> target.asFloatBuffer().put(values, 0, n);
            case BF16 -> Bf16.encode(values, 0, n, target.asShortBuffer(), scratch);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    target.putShort(2 * i, Float.floatToFloat16(values[i]));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    target.putDouble(8 * i, values[i]);
                }
            }
            default -> throw new IllegalStateException("not a float dtype: " + dtype);
        }
    }

    /** This thread's float block with room for {@code elements} (grown for rows longer than a block). */
    private float[] blockFloats(int elements) {
        float[] block = blockFloats.get();
        if (block.length < elements) {
            block = new float[elements];
            blockFloats.set(block);
        }
        return block;
    }

    /** This thread's block buffer, cleared, limit {@code bytes} (grown for rows longer than a block). */
    private ByteBuffer blockBuffer(int bytes) {
        ByteBuffer buffer = blockBytes.get();
        if (buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
            blockBytes.set(buffer);
        }
        return buffer.clear().limit(bytes);
    }

    /** Fills {@code into} (position to limit) from {@code in} at {@code position}. */
    private static void read(FileChannel in, long position, ByteBuffer into) {
        long start = position - into.position();
        try {
            while (into.hasRemaining()) {
                if (in.read(into, start + into.position()) < 0) {
                    throw new EOFException("the checkpoint ended before byte " + (start + into.limit()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        into.flip();
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
        slabs.close();
        if (failure != null) {
            throw new UncheckedIOException(failure);
        }
    }
}
