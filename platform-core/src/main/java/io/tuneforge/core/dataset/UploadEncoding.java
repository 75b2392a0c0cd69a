package io.tuneforge.core.dataset;

import io.tuneforge.shared.dataset.DatasetException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import io.tuneforge.shared.dataset.DatasetFileTypes;
import io.tuneforge.shared.dataset.parquet.ParquetReader;

/**
 * The text encoding of an upload, checked before the data pipeline reads it: UTF-8 passes (a byte order mark is
 * dropped), UTF-16 and UTF-32 with a byte order mark are converted to UTF-8, bytes that are not UTF-8 are refused
 * naming their line, and a file without a non-blank character is refused as empty. Parquet files are binary: they pass
 * as they are once their footer reads (a file that is not Parquet, is truncated, or uses a codec, encoding or nesting the
 * reader refuses is refused here with the reader's message, naming the upload and the column; DD026).
 */
final class UploadEncoding {

    private static final Charset UTF_32BE = Charset.forName("UTF-32BE");
    private static final Charset UTF_32LE = Charset.forName("UTF-32LE");

    private UploadEncoding() {
    }

    /**
     * The file to read: {@code file} itself when it is UTF-8 without a byte order mark, else a converted copy next to
     * it (added to {@code temporary} for the caller to delete).
     */
    static Path toUtf8(Path file, String fileName, List<Path> temporary) {
        try {
            if (DatasetFileTypes.isParquet(fileName)) {
                checkParquet(file, fileName);
                return file;
            }
            byte[] head = new byte[4];
            int headLength;
            try (InputStream in = Files.newInputStream(file)) {
                headLength = in.readNBytes(head, 0, 4);
            }
            Bom bom = Bom.of(head, headLength);
            if (bom == Bom.NONE) {
                try (InputStream in = Files.newInputStream(file)) {
                    if (!decode(in, StandardCharsets.UTF_8, null, fileName)) {
                        throw empty(fileName);
                    }
                }
                return file;
            }
            Path converted = file.resolveSibling(UUID.randomUUID() + "-utf8-" + file.getFileName());
            temporary.add(converted);
            boolean content;
            try (InputStream in = Files.newInputStream(file);
                    Writer out = new BufferedWriter(Files.newBufferedWriter(converted, StandardCharsets.UTF_8))) {
                in.skipNBytes(bom.length);
                content = decode(in, bom.charset, out, fileName);
            }
            if (!content) {
                throw empty(fileName);
            }
            return converted;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the upload " + fileName + ": " + e.getMessage(), e);
        }
    }

    /** Reads the Parquet footer (magic, schema, codecs) and refuses a file without rows as empty. */
    private static void checkParquet(Path file, String fileName) {
        try (ParquetReader reader = ParquetReader.open(file, fileName)) {
            if (reader.rowCount() == 0) {
                throw new DatasetException(fileName + ": the Parquet file has no rows");
            }
        }
    }

    private static DatasetException empty(String fileName) {
        return new DatasetException(fileName + ": the file is empty (it holds no records, only blank space)");
    }

    /**
     * Decodes the stream strictly, writing the text to {@code out} if given.
     *
     * @return whether the text has a non-blank character
     */
    private static boolean decode(InputStream in, Charset charset, Writer out, String fileName) throws IOException {
        CharsetDecoder decoder = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.allocate(64 * 1024);
        CharBuffer chars = CharBuffer.allocate(64 * 1024);
        long line = 1;
        boolean content = false;
        boolean eof = false;
        while (true) {
            if (!eof && bytes.hasRemaining()) {
                int read = in.read(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
                if (read < 0) {
                    eof = true;
                } else {
                    bytes.position(bytes.position() + read);
                }
            }
            bytes.flip();
            CoderResult result = decoder.decode(bytes, chars, eof);
            bytes.compact();
            boolean done = eof && result.isUnderflow();
            if (done) {
                result = decoder.flush(chars);
            }
            chars.flip();
            for (int i = chars.position(); i < chars.limit(); i++) {
                char c = chars.get(i);
                if (c == '\n') {
                    line++;
                } else if (!content && !Character.isWhitespace(c) && c != '\uFEFF') {
                    content = true;
                }
            }
            if (out != null) {
                out.append(chars);
            }
            chars.clear();
            if (result.isError()) {
                throw new DatasetException(fileName + ", line " + line + ": the bytes there are not valid "
                        + (charset == StandardCharsets.UTF_8 ? "UTF-8" : charset.name())
                        + "; save the file as UTF-8 and upload it again");
            }
            if (done && !result.isOverflow()) {
                return content;
            }
        }
    }

    /** The byte order marks told apart (UTF-32 LE before UTF-16 LE, whose mark it starts with). */
    private enum Bom {
        UTF32BE(4, UTF_32BE), UTF32LE(4, UTF_32LE), UTF8(3, StandardCharsets.UTF_8),
        UTF16BE(2, StandardCharsets.UTF_16BE), UTF16LE(2, StandardCharsets.UTF_16LE), NONE(0, StandardCharsets.UTF_8);

        final int length;
        final Charset charset;

        Bom(int length, Charset charset) {
            this.length = length;
            this.charset = charset;
        }

        static Bom of(byte[] b, int n) {
            if (n >= 4 && b[0] == 0 && b[1] == 0 && (b[2] & 0xFF) == 0xFE && (b[3] & 0xFF) == 0xFF) {
                return UTF32BE;
            }
            if (n >= 4 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE && b[2] == 0 && b[3] == 0) {
                return UTF32LE;
            }
            if (n >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
                return UTF8;
            }
            if (n >= 2 && (b[0] & 0xFF) == 0xFE && (b[1] & 0xFF) == 0xFF) {
                return UTF16BE;
            }
            if (n >= 2 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE) {
                return UTF16LE;
            }
            return NONE;
        }
    }
}
