package io.tuneforge.trainer.template.jinja;

/** One lexical token of a template; {@code value} is the parsed literal for strings and numbers. */
record Token(Kind kind, String text, Object value, int line) {

    enum Kind {
        DATA, VARIABLE_BEGIN, VARIABLE_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF
    }

    boolean is(Kind k, String t) {
        return kind == k && text.equals(t);
    }

    boolean isOperator(String t) {
        return kind == Kind.OPERATOR && text.equals(t);
    }

    boolean isName(String t) {
        return kind == Kind.NAME && text.equals(t);
    }
}
