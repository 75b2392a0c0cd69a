package io.tuneforge.trainer.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The vocabulary of a SentencePiece {@code tokenizer.model}: a protobuf {@code ModelProto} whose field 1 repeats
 * {@code SentencePiece { string piece = 1; float score = 2; Type type = 3 [default NORMAL]; }}. Only those fields are
 * read; everything else is skipped by wire type. Piece types use the same numbers as GGUF token types
 * (NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6).
 *
 * @param pieces the pieces in id order
 * @param scores their scores
 * @param types  their types
 */
public record SentencePieceModel(List<String> pieces, float[] scores, int[] types) {

    /** Parses a {@code tokenizer.model} file. */
    public static SentencePieceModel read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        try {
            return parse(bytes);
        } catch (IndexOutOfBoundsException | IllegalStateException e) {
            throw new ExportException(file + ": not a SentencePiece model (" + e.getMessage() + ")", e);
        }
    }

    static SentencePieceModel parse(byte[] bytes) {
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        Reader model = new Reader(bytes, 0, bytes.length);
        while (model.more()) {
            long tag = model.varint();
            if (tag >>> 3 == 1 && (tag & 7) == 2) {
                int length = (int) model.varint();
                Reader piece = new Reader(bytes, model.pos, model.pos + length);
                model.pos += length;
                String text = "";
                float score = 0f;
                int type = 1;
                while (piece.more()) {
                    long t = piece.varint();
                    switch ((int) (t >>> 3)) {
                        case 1 -> {
                            int n = (int) piece.varint();
                            text = new String(bytes, piece.pos, n, StandardCharsets.UTF_8);
                            piece.pos += n;
                        }
                        case 2 -> score = Float.intBitsToFloat(piece.fixed32());
                        case 3 -> type = (int) piece.varint();
                        default -> piece.skip(t);
                    }
                }
                pieces.add(text);
                scores.add(score);
                types.add(type);
            } else {
                model.skip(tag);
            }
        }
        float[] s = new float[scores.size()];
        int[] ty = new int[types.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
            ty[i] = types.get(i);
        }
        return new SentencePieceModel(List.copyOf(pieces), s, ty);
    }

    /** A protobuf wire-format cursor over {@code bytes[pos, end)}. */
    private static final class Reader {
        final byte[] bytes;
        final int end;
        int pos;

        Reader(byte[] bytes, int pos, int end) {
            if (end > bytes.length) {
                throw new IllegalStateException("field runs past the end of the file");
            }
            this.bytes = bytes;
            this.pos = pos;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = bytes[pos++];
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
            throw new IllegalStateException("malformed varint");
        }

        int fixed32() {
            int v = (bytes[pos] & 0xFF) | (bytes[pos + 1] & 0xFF) << 8 | (bytes[pos + 2] & 0xFF) << 16
                    | (bytes[pos + 3] & 0xFF) << 24;
            pos += 4;
            return v;
        }

        void skip(long tag) {
            switch ((int) (tag & 7)) {
                case 0 -> varint();
                case 1 -> pos += 8;
                case 2 -> {
                    int length = (int) varint(); // read before adding: pos += varint() would add to the old pos
                    pos += length;
                }
                case 5 -> pos += 4;
                default -> throw new IllegalStateException("unsupported wire type " + (tag & 7));
            }
        }
    }
}
