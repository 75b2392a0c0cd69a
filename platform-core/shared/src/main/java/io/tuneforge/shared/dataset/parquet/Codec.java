package io.tuneforge.shared.dataset.parquet;

import com.github.luben.zstd.Zstd;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** The compression codecs of Parquet pages, by their {@code CompressionCodec} number. */
enum Codec {
    UNCOMPRESSED, SNAPPY, GZIP, LZO, BROTLI, LZ4, ZSTD, LZ4_RAW;

    /** The codec numbered {@code id} in parquet.thrift; {@code column} names the column in the error. */
    static Codec of(int id, String column) {
        if (id < 0 || id >= values().length) {
            throw new ParquetException("column '" + column + "' uses an unknown compression codec (number " + id + ")");
        }
        Codec codec = values()[id];
        if (codec != UNCOMPRESSED && codec != SNAPPY && codec != GZIP && codec != ZSTD) {
            throw new ParquetException("column '" + column + "' is compressed with " + codec + ", which is not read; "
                    + "write the file with SNAPPY, ZSTD, GZIP or no compression, e.g. with pyarrow: "
                    + "pq.write_table(pq.read_table('in.parquet'), 'out.parquet', compression='zstd')");
        }
        return codec;
    }

    /** Largest page accepted once decompressed (a damaged header must not allocate gigabytes). */
    static final int MAX_PAGE_BYTES = 512 << 20;

    /** Decompresses {@code length} bytes at {@code offset} into exactly {@code size} bytes. */
    byte[] decompress(byte[] in, int offset, int length, int size) {
        if (size < 0 || size > MAX_PAGE_BYTES) {
            throw new IllegalStateException("a page claims " + size + " bytes once decompressed");
        }
        if (length < 0 || offset < 0 || offset + length > in.length) {
            throw new IllegalStateException("a page of " + length + " bytes runs past its column chunk");
        }
        byte[] out = switch (this) {
            case UNCOMPRESSED -> java.util.Arrays.copyOfRange(in, offset, offset + length);
            case SNAPPY -> Snappy.decompress(in, offset, length);
            case GZIP -> gunzip(in, offset, length, size);
            case ZSTD -> unzstd(in, offset, length, size);
            default -> throw new IllegalStateException(this + " is not read");
        };
        if (out.length != size) {
            throw new IllegalStateException("a " + this + " page holds " + out.length + " bytes, its header says "
                    + size);
        }
        return out;
    }

    private static byte[] gunzip(byte[] in, int offset, int length, int size) {
        try (InputStream gzip = new GZIPInputStream(new ByteArrayInputStream(in, offset, length))) {
            byte[] out = gzip.readNBytes(size);
            if (gzip.read() != -1) {
                throw new IllegalStateException("a GZIP page holds more bytes than its header says");
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("the GZIP data is damaged: " + e.getMessage(), e);
        }
    }

    private static byte[] unzstd(byte[] in, int offset, int length, int size) {
        byte[] out = new byte[size];
        long written;
        try {
            written = Zstd.decompressByteArray(out, 0, size, in, offset, length);
        } catch (RuntimeException e) {                   // zstd-jni's ZstdException
            throw new IllegalStateException("the ZSTD data is damaged: " + e.getMessage(), e);
        }
        if (Zstd.isError(written)) {
            throw new IllegalStateException("the ZSTD data is damaged: " + Zstd.getErrorName(written));
        }
        return written == size ? out : java.util.Arrays.copyOf(out, (int) written);
    }
}
