package io.tuneforge.trainer.export;

import java.util.stream.IntStream;

/**
 * How an adapter changes the rows of one base weight, row by row: LoRA and DoRA ({@link LoraAdapter}), OFT
 * ({@link OftMerge}) and modules_to_save all change row {@code i} from row {@code i} alone, so the merger can stream a
 * weight in row blocks, in parallel, without the whole weight in a float[].
 */
@FunctionalInterface
public interface RowMerge {

    /** Elements per row block: large enough to amortise a task, small enough that a block stays in cache. */
    int BLOCK_ELEMENTS = 1 << 16;

    /**
     * Merges rows {@code [firstRow, firstRow + rows)} of the weight in place; they are held row-major in
     * {@code block} from {@code offset} ({@code rows × columns} floats). Disjoint row ranges may run concurrently.
     */
    void apply(float[] block, int offset, int firstRow, int rows);

    /** A weight's rows: its first dimension (1 for a scalar). */
    static int rows(long[] shape) {
        return shape.length == 0 ? 1 : Math.toIntExact(shape[0]);
    }

    /** A weight's columns: its elements per row. */
    static int columns(long[] shape) {
        return Math.toIntExact(WeightSource.elementCount(shape) / Math.max(1, rows(shape)));
    }

    /** Rows per block for rows of {@code columns} elements (at least one). */
    static int rowsPerBlock(int columns) {
        return Math.max(1, BLOCK_ELEMENTS / Math.max(1, columns));
    }

    /** A row range {@code [first, first + count)}. */
    @FunctionalInterface
    interface BlockTask {
        void run(int first, int count);
    }

    /** Runs {@code task} over all rows in blocks of {@link #rowsPerBlock}, in parallel (the blocks are disjoint). */
    static void forEachBlock(int rows, int columns, BlockTask task) {
        int perBlock = rowsPerBlock(columns);
        int blocks = (rows + perBlock - 1) / perBlock;
        IntStream.range(0, blocks).parallel().forEach(block -> {
            int first = block * perBlock;
            task.run(first, Math.min(perBlock, rows - first));
        });
    }
}
