package io.tuneforge.trainer.data.format;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Reads a file line by line as bytes and decodes each line with a strict UTF-8 decoder, so an invalid byte is reported
 * with its line number instead of being replaced silently. A leading byte-order mark is skipped; {@code \r\n} ends a
 * line like {@code \n}.
 */
final class Utf8LineReader implements Closeable {

    /** One line: its number from 1 and its text, or the decoding error. */
    record Line(long number, String text, Optional<String> utf8Error) {
    }

    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] buffer = new byte[8192];
    private long lineNumber;
    private boolean first = true;

    Utf8LineReader(InputStream in) {
        this.in = new BufferedInputStream(in, 1 << 16);
    }

    /** The next line, or empty at the end of the input. */
    Optional<Line> next() throws IOException {
        int length = 0;
        int b = in.read();
        if (b == -1) {
            return Optional.empty();
        }
        while (b != -1 && b != '\n') {
            if (length == buffer.length) {
                buffer = Arrays.copyOf(buffer, buffer.length * 2);
            }
            buffer[length++] = (byte) b;
            b = in.read();
        }
        lineNumber++;
        int start = 0;
        if (first) {
            first = false;
            if (length >= 3 && (buffer[0] & 0xFF) == 0xEF && (buffer[1] & 0xFF) == 0xBB && (buffer[2] & 0xFF) == 0xBF) {
                start = 3;
            }
        }
        if (length > start && buffer[length - 1] == '\r') {
            length--;
        }
        try {
            String text = decoder.reset().decode(ByteBuffer.wrap(buffer, start, length - start)).toString();
            return Optional.of(new Line(lineNumber, text, Optional.empty()));
        } catch (CharacterCodingException e) {
            return Optional.of(new Line(lineNumber, "", Optional.of(describe(start, length))));
        }
    }

    /** Names the first invalid byte and its column. */
    private String describe(int start, int length) {
        CharsetDecoder probe = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.wrap(buffer, start, length - start);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(length - start + 1);
        java.nio.charset.CoderResult result = probe.decode(bytes, out, true);
        int offset = bytes.position();
        String hex = result.isError() && offset < length
                ? String.format("0x%02X", buffer[offset] & 0xFF) : "an incomplete sequence";
        return "invalid UTF-8 byte " + hex + " at byte " + (offset - start + 1)
                + " of the line; save the file as UTF-8";
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
