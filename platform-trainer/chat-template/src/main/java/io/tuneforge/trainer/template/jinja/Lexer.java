package io.tuneforge.trainer.template.jinja;

import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.template.jinja.Token.Kind;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into tokens exactly as jinja2's lexer does under Hugging Face's settings: newlines normalised
 * and one trailing newline dropped, {@code trim_blocks} (the newline after a block or comment tag is removed),
 * {@code lstrip_blocks} (spaces and tabs before a block or comment tag at the start of a line are removed), the
 * {@code -} and {@code +} modifiers, comments, and {@code {% raw %}}.
 */
final class Lexer {

    private static final Pattern FLOAT = Pattern.compile(
            "(?<!\\.)(\\d+_)*\\d+((\\.(\\d+_)*\\d+)?[eE][+\\-]?(\\d+_)*\\d+|\\.(\\d+_)*\\d+)");
    private static final Pattern INTEGER = Pattern.compile(
            "0[bB](_?[01])+|0[oO](_?[0-7])+|0[xX](_?[\\da-fA-F])+|[1-9](_?\\d)*|0(_?0)*");
    private static final Pattern NAME = Pattern.compile("[\\p{L}\\p{Nl}_][\\p{L}\\p{Nl}\\p{Mn}\\p{Mc}\\p{Nd}\\p{Pc}]*");
    private static final Pattern STRING = Pattern.compile(
            "'([^'\\\\]*(?:\\\\.[^'\\\\]*)*)'|\"([^\"\\\\]*(?:\\\\.[^\"\\\\]*)*)\"", Pattern.DOTALL);
    private static final String[] OPERATORS = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[",
        "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};

    private final String source;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;
    private boolean lineStarting = true;

    private Lexer(String source) {
        this.source = source;
    }

    static List<Token> tokenize(String template) {
        Lexer lexer = new Lexer(normalize(template));
        lexer.run();
        return lexer.tokens;
    }

    /** jinja2 joins the lines with {@code \n} and drops one trailing newline (keep_trailing_newline=False). */
    private static String normalize(String template) {
        String s = template.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private TemplateException error(String message) {
        return new TemplateException("chat template line " + line + ": syntax error: " + message);
    }

    private void run() {
        int n = source.length();
        while (pos < n) {
            int tag = nextTag(pos);
            if (tag < 0) {
                emitData(source.substring(pos), 0);
                pos = n;
                break;
            }
            char kind = source.charAt(tag + 1);
            int after = tag + 2;
            char sign = after < n && (source.charAt(after) == '-' || source.charAt(after) == '+') ? source.charAt(after) : 0;
            String text = source.substring(pos, tag);
            int rawEnd = kind == '%' ? rawBegin(after + (sign != 0 ? 1 : 0)) : -1;
            String stripped = stripBefore(text, sign, kind != '{');
            emitData(stripped, countNewlines(text) - countNewlines(stripped));
            pos = after + (sign != 0 ? 1 : 0);
            if (rawEnd >= 0) {
                pos = rawEnd;
                lineStarting = source.charAt(pos - 1) == '\n';
                lexRawBody();
            } else if (kind == '#') {
                lexComment();
            } else {
                lexTag(kind == '{' ? Kind.VARIABLE_BEGIN : Kind.BLOCK_BEGIN);
            }
        }
        tokens.add(new Token(Kind.EOF, "", null, line));
    }

    private int nextTag(int from) {
        int i = source.indexOf('{', from);
        while (i >= 0 && i + 1 < source.length()) {
            char c = source.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i = source.indexOf('{', i + 1);
        }
        return -1;
    }

    /** Applies {@code -} (strip all whitespace) or lstrip_blocks to the data before a tag. */
    private String stripBefore(String text, char sign, boolean blockOrComment) {
        if (sign == '-') {
            return PyString.strip(text, null, false, true);
        }
        if (sign != '+' && blockOrComment) {
            int lPos = text.lastIndexOf('\n') + 1;
            if ((lPos > 0 || lineStarting) && lPos < text.length()) {
                String tail = text.substring(lPos);
                if (tail.codePoints().allMatch(PyString::isSpace)) {
                    return text.substring(0, lPos);
                }
            }
        }
        return text;
    }

    private void emitData(String data, int strippedNewlines) {
        if (!data.isEmpty()) {
            tokens.add(new Token(Kind.DATA, data, null, line));
        }
        line += countNewlines(data) + strippedNewlines;
    }

    private static int countNewlines(String s) {
        int count = 0;
        for (int i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) {
            count++;
        }
        return count;
    }

    /** After {@code {%} and an optional sign: {@code \s*raw\s*(-%}\s*|%})}; returns the end offset or -1. */
    private int rawBegin(int from) {
        int i = skipSpace(from);
        if (!source.startsWith("raw", i)) {
            return -1;
        }
        i = skipSpace(i + 3);
        if (source.startsWith("-%}", i)) {
            return skipSpace(i + 3);
        }
        return source.startsWith("%}", i) ? i + 2 : -1;
    }

    private int skipSpace(int i) {
        while (i < source.length() && PyString.isSpace(source.charAt(i))) {
            i++;
        }
        return i;
    }

    private void lexRawBody() {
        int search = pos;
        while (true) {
            int tag = source.indexOf("{%", search);
            if (tag < 0) {
                throw error("missing end of raw directive");
            }
            int i = tag + 2;
            char sign = i < source.length() && (source.charAt(i) == '-' || source.charAt(i) == '+') ? source.charAt(i) : 0;
            int j = skipSpace(i + (sign != 0 ? 1 : 0));
            if (source.startsWith("endraw", j)) {
                j = skipSpace(j + 6);
                int end = blockEnd(j, true);
                if (end >= 0) {
                    String text = source.substring(pos, tag);
                    String stripped = stripBefore(text, sign, true);
                    emitData(stripped, countNewlines(text) - countNewlines(stripped));
                    line += countNewlines(source.substring(tag, end));
                    pos = end;
                    lineStarting = source.charAt(end - 1) == '\n';
                    return;
                }
            }
            search = tag + 2;
        }
    }

    /** Matches {@code +%}}, {@code -%}\s*} or {@code %}\n?} at {@code i}; returns the end offset or -1. */
    private int blockEnd(int i, boolean trimBlocks) {
        if (source.startsWith("+%}", i)) {
            return i + 3;
        }
        if (source.startsWith("-%}", i)) {
            return skipSpace(i + 3);
        }
        if (source.startsWith("%}", i)) {
            int end = i + 2;
            return trimBlocks && end < source.length() && source.charAt(end) == '\n' ? end + 1 : end;
        }
        return -1;
    }

    private void lexComment() {
        {
            int close = source.indexOf("#}", pos);
            if (close < 0) {
                throw error("missing end of comment tag");
            }
            int end;
            if (close > pos && source.charAt(close - 1) == '-') {
                end = skipSpace(close + 2);
            } else if (close > pos && source.charAt(close - 1) == '+') {
                end = close + 2;
            } else {
                end = close + 2 < source.length() && source.charAt(close + 2) == '\n' ? close + 3 : close + 2;
            }
            line += countNewlines(source.substring(pos, end));
            pos = end;
            lineStarting = source.charAt(end - 1) == '\n';
            return;
        }
    }

    private void lexTag(Kind begin) {
        tokens.add(new Token(begin, begin == Kind.BLOCK_BEGIN ? "{%" : "{{", null, line));
        Deque<Character> balancing = new ArrayDeque<>();
        int n = source.length();
        while (true) {
            if (pos >= n) {
                throw error("unexpected end of template, expected '" + (begin == Kind.BLOCK_BEGIN ? "%}" : "}}") + "'");
            }
            if (balancing.isEmpty()) {
                int end = begin == Kind.BLOCK_BEGIN ? blockEnd(pos, true) : variableEnd(pos);
                if (end >= 0) {
                    tokens.add(new Token(begin == Kind.BLOCK_BEGIN ? Kind.BLOCK_END : Kind.VARIABLE_END,
                            source.substring(pos, end), null, line));
                    line += countNewlines(source.substring(pos, end));
                    lineStarting = source.charAt(end - 1) == '\n';
                    pos = end;
                    return;
                }
            }
            char c = source.charAt(pos);
            if (PyString.isSpace(c)) {
                int end = skipSpace(pos);
                line += countNewlines(source.substring(pos, end));
                lineStarting = source.charAt(end - 1) == '\n';
                pos = end;
                continue;
            }
            lineStarting = false;
            Matcher m;
            if ((m = match(FLOAT)) != null) {
                String text = m.group();
                tokens.add(new Token(Kind.FLOAT, text, Double.parseDouble(text.replace("_", "")), line));
            } else if ((m = match(INTEGER)) != null) {
                String text = m.group();
                tokens.add(new Token(Kind.INTEGER, text, parseInteger(text), line));
            } else if ((m = match(NAME)) != null) {
                tokens.add(new Token(Kind.NAME, m.group(), null, line));
            } else if ((m = match(STRING)) != null) {
                String text = m.group();
                tokens.add(new Token(Kind.STRING, text, unescape(text.substring(1, text.length() - 1)), line));
                line += countNewlines(text);
            } else {
                String op = operatorAt(pos);
                if (op == null) {
                    throw error("unexpected char " + PyRepr.repr(String.valueOf(c)) + " at " + pos);
                }
                switch (op) {
                    case "{" -> balancing.push('}');
                    case "(" -> balancing.push(')');
                    case "[" -> balancing.push(']');
                    case "}", ")", "]" -> {
                        if (balancing.isEmpty()) {
                            throw error("unexpected '" + op + "'");
                        }
                        char expected = balancing.pop();
                        if (expected != op.charAt(0)) {
                            throw error("unexpected '" + op + "', expected '" + expected + "'");
                        }
                    }
                    default -> {
                    }
                }
                tokens.add(new Token(Kind.OPERATOR, op, null, line));
                pos += op.length();
                continue;
            }
            pos = m.end();
        }
    }

    private int variableEnd(int i) {
        if (source.startsWith("-}}", i)) {
            return skipSpace(i + 3);
        }
        return source.startsWith("}}", i) ? i + 2 : -1;
    }

    private Matcher match(Pattern pattern) {
        Matcher m = pattern.matcher(source);
        m.region(pos, source.length());
        m.useTransparentBounds(true);
        m.useAnchoringBounds(false);
        return m.lookingAt() ? m : null;
    }

    private String operatorAt(int i) {
        for (String op : OPERATORS) {
            if (source.startsWith(op, i)) {
                return op;
            }
        }
        return null;
    }

    private static Object parseInteger(String text) {
        String t = text.replace("_", "").toLowerCase(java.util.Locale.ROOT);
        BigInteger value;
        if (t.startsWith("0b")) {
            value = new BigInteger(t.substring(2), 2);
        } else if (t.startsWith("0o")) {
            value = new BigInteger(t.substring(2), 8);
        } else if (t.startsWith("0x")) {
            value = new BigInteger(t.substring(2), 16);
        } else {
            value = new BigInteger(t);
        }
        return PyOps.normalize(value);
    }

    /** Python's unicode-escape decoding of a string literal body; unknown escapes keep their backslash. */
    private static String unescape(String body) {
        if (body.indexOf('\\') < 0) {
            return body;
        }
        StringBuilder out = new StringBuilder(body.length());
        int i = 0;
        int n = body.length();
        while (i < n) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 >= n) {
                out.append(c);
                i++;
                continue;
            }
            char e = body.charAt(i + 1);
            i += 2;
            switch (e) {
                case '\n' -> {
                }
                case '\\' -> out.append('\\');
                case '\'' -> out.append('\'');
                case '"' -> out.append('"');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + digits > n) {
                        throw new TemplateException("truncated \\" + e + " escape in a string literal");
                    }
                    out.appendCodePoint(Integer.parseInt(body.substring(i, i + digits), 16));
                    i += digits;
                }
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int start = i - 1;
                    int end = start + 1;
                    while (end < n && end < start + 3 && body.charAt(end) >= '0' && body.charAt(end) <= '7') {
                        end++;
                    }
                    out.appendCodePoint(Integer.parseInt(body.substring(start, end), 8));
                    i = end;
                }
                default -> out.append('\\').append(e);
            }
        }
        return out.toString();
    }
}
