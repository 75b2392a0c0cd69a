package io.tuneforge.trainer.export;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Double-buffered writes: while one slab is written (positional writes, by one writer thread), the caller fills the
 * other. {@link #next} hands out the buffer whose previous write has finished.
 */
final class SlabWriter implements AutoCloseable {

    /**
     * Bytes per write call. Measured on the 2-core ext4 host (docs/benchmarks.md, bench-merge): writing 1 GiB into the
     * page cache costs ~0.25 s CPU in 64-256 KiB writes but 0.8-1.5 s in writes of 1 MiB or more.
     */
    static final int WRITE_BYTES = 256 << 10;

    private final ByteBuffer[] buffers = new ByteBuffer[2];
    private final Future<?>[] pending = new Future<?>[2];
    private final ExecutorService writer = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "merge-writer");
        thread.setDaemon(true);
        return thread;
    });
    private final int slabBytes;
    private int turn;

    SlabWriter(int slabBytes) {
        this.slabBytes = slabBytes;
    }

    /** The next buffer, little-endian, position 0, limit {@code bytes}, once its previous write has finished. */
    ByteBuffer next(int bytes) throws IOException {
        turn = 1 - turn;
        await(turn);
        ByteBuffer buffer = buffers[turn];
        if (buffer == null || buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect(Math.max(bytes, slabBytes));
            buffers[turn] = buffer;
        }
        return buffer.clear().limit(bytes).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Writes {@code slab} (a buffer from {@link #next}, position 0 to limit) at {@code position}, in the background,
     * in writes of at most {@value #WRITE_BYTES} bytes.
     */
    void write(FileChannel out, ByteBuffer slab, long position) {
        pending[turn] = writer.submit(() -> {
            for (int start = 0; start < slab.limit(); start += WRITE_BYTES) {
                ByteBuffer bytes = slab.slice(start, Math.min(WRITE_BYTES, slab.limit() - start));
                while (bytes.hasRemaining()) {
                    out.write(bytes, position + start + bytes.position());
                }
            }
            return null;
        });
    }

    /** Waits until every slab handed to {@link #write} is written; rethrows a failed write's exception. */
    void awaitWritten() throws IOException {
        await(0);
        await(1);
    }

    private void await(int slot) throws IOException {
        Future<?> write = pending[slot];
        pending[slot] = null;
        if (write == null) {
            return;
        }
        try {
            write.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the merged model");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new UncheckedIOException(new IOException(e.getCause()));
        }
    }

    /** Stops the writer thread (after a failure, pending writes are abandoned with the temporary files). */
    @Override
    public void close() {
        writer.shutdownNow();
    }
}
