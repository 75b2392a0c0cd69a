package io.tuneforge.trainer.template.jinja;

import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.template.jinja.Node.*;
import io.tuneforge.trainer.template.jinja.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the syntax tree from tokens with jinja2's grammar and operator precedence (or, and, not, comparisons,
 * {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary, postfix, filters and tests).
 */
final class Parser {

    private final List<Token> tokens;
    private int index;
    /** How many for loops enclose the current position (reset inside macro bodies). */
    private int loopDepth;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Stmt> parse(String template) {
        Parser parser = new Parser(Lexer.tokenize(template));
        List<Stmt> body = parser.subparse(List.of());
        return body;
    }

    // ---- token stream ------------------------------------------------------------------------------------------

    private Token current() {
        return tokens.get(index);
    }

    private Token look() {
        return tokens.get(Math.min(index + 1, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(index);
        if (index < tokens.size() - 1) {
            index++;
        }
        return t;
    }

    private TemplateException fail(String message, Token at) {
        return new TemplateException("chat template line " + at.line() + ": syntax error: " + message);
    }

    private static String describe(Token t) {
        return switch (t.kind()) {
            case EOF -> "end of template";
            case BLOCK_END -> "end of statement block";
            case VARIABLE_END -> "end of print statement";
            case NAME, OPERATOR -> "'" + t.text() + "'";
            default -> t.kind().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private Token expect(Kind kind, String text) {
        Token t = current();
        if (t.kind() != kind || (text != null && !t.text().equals(text))) {
            String wanted = text != null ? "'" + text + "'" : kind.name().toLowerCase(java.util.Locale.ROOT);
            throw fail("expected token " + wanted + ", got " + describe(t), t);
        }
        return next();
    }

    private Token expectOperator(String op) {
        return expect(Kind.OPERATOR, op);
    }

    private boolean skipOperator(String op) {
        if (current().isOperator(op)) {
            next();
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (current().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    // ---- statements --------------------------------------------------------------------------------------------

    /** Parses until a block whose first name is one of {@code endNames}; leaves that name as the current token. */
    private List<Stmt> subparse(List<String> endNames) {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = current();
            switch (t.kind()) {
                case DATA -> {
                    next();
                    body.add(new Text(t.text(), t.line()));
                }
                case VARIABLE_BEGIN -> {
                    next();
                    Expr e = parseTuple(false, true, List.of(), false);
                    expect(Kind.VARIABLE_END, null);
                    body.add(new Print(e, t.line()));
                }
                case BLOCK_BEGIN -> {
                    next();
                    Token name = current();
                    if (name.kind() == Kind.NAME && endNames.contains(name.text())) {
                        return body;
                    }
                    body.add(parseStatement());
                    expect(Kind.BLOCK_END, null);
                }
                case EOF -> {
                    if (!endNames.isEmpty()) {
                        throw fail("unexpected end of template; expected one of the tags "
                                + String.join(", ", endNames.stream().map(n -> "'" + n + "'").toList()), t);
                    }
                    return body;
                }
                default -> throw fail("unexpected " + describe(t), t);
            }
        }
    }

    /** Parses a block body up to and including the end tag's name (the block end is left to the caller). */
    private List<Stmt> body(String endName) {
        List<Stmt> b = subparse(List.of(endName));
        next();
        return b;
    }

    private Stmt parseStatement() {
        Token t = current();
        if (t.kind() != Kind.NAME) {
            throw fail("tag name expected", t);
        }
        return switch (t.text()) {
            case "if" -> parseIf();
            case "for" -> parseFor();
            case "set" -> parseSet();
            case "macro" -> parseMacro();
            case "call" -> parseCallBlock();
            case "filter" -> parseFilterBlock();
            case "with" -> parseWith();
            case "generation" -> {
                next();
                expect(Kind.BLOCK_END, null);
                yield new With(List.of(), List.of(), body("endgeneration"), t.line());
            }
            case "break", "continue" -> {
                if (loopDepth == 0) {
                    throw fail("'" + t.text() + "' outside loop", t);
                }
                next();
                yield t.text().equals("break") ? new Break(t.line()) : new Continue(t.line());
            }
            default -> throw fail("encountered unknown tag '" + t.text() + "'", t);
        };
    }

    private Stmt parseIf() {
        int line = next().line();
        List<Expr> conditions = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        List<Stmt> otherwise = List.of();
        conditions.add(parseTuple(false, false, List.of(), false));
        expect(Kind.BLOCK_END, null);
        while (true) {
            bodies.add(subparse(List.of("elif", "else", "endif")));
            Token tag = next();
            if (tag.text().equals("elif")) {
                conditions.add(parseTuple(false, false, List.of(), false));
                expect(Kind.BLOCK_END, null);
            } else if (tag.text().equals("else")) {
                expect(Kind.BLOCK_END, null);
                otherwise = body("endif");
                break;
            } else {
                break;
            }
        }
        return new If(conditions, bodies, otherwise, line);
    }

    private Stmt parseFor() {
        int line = next().line();
        Target target = parseAssignTarget(true, false, List.of("in"), false);
        expect(Kind.NAME, "in");
        Expr iterable = parseTuple(false, false, List.of("recursive"), false);
        Expr filter = null;
        if (skipName("if")) {
            filter = parseExpression(true);
        }
        boolean recursive = skipName("recursive");
        expect(Kind.BLOCK_END, null);
        loopDepth++;
        List<Stmt> body = subparse(List.of("endfor", "else"));
        loopDepth--;
        List<Stmt> otherwise = List.of();
        if (next().text().equals("else")) {
            expect(Kind.BLOCK_END, null);
            otherwise = body("endfor");
        }
        return new For(target, iterable, filter, body, otherwise, recursive, line);
    }

    private Stmt parseSet() {
        int line = next().line();
        Target target = parseAssignTarget(true, false, List.of(), true);
        if (skipOperator("=")) {
            return new Set(target, parseTuple(false, true, List.of(), false), line);
        }
        Expr filter = current().isOperator("|") ? parseFilter(null, false) : null;
        expect(Kind.BLOCK_END, null);
        return new SetBlock(target, filter, body("endset"), line);
    }

    private Stmt parseMacro() {
        int line = next().line();
        String name = expect(Kind.NAME, null).text();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        parseSignature(params, defaults);
        expect(Kind.BLOCK_END, null);
        List<Stmt> body = macroBody("endmacro");
        return new MacroDef(signature(name, params, defaults, body), body, line);
    }

    private List<Stmt> macroBody(String endName) {
        int savedDepth = loopDepth;
        loopDepth = 0;
        List<Stmt> body = body(endName);
        loopDepth = savedDepth;
        return body;
    }

    private static MacroSignature signature(String name, List<String> params, List<Expr> defaults, List<Stmt> body) {
        return new MacroSignature(name, params, defaults, Node.references(body, "varargs"),
                Node.references(body, "kwargs"), Node.references(body, "caller"));
    }

    private void parseSignature(List<String> params, List<Expr> defaults) {
        expectOperator("(");
        while (!current().isOperator(")")) {
            if (!params.isEmpty()) {
                expectOperator(",");
            }
            params.add(expect(Kind.NAME, null).text());
            defaults.add(skipOperator("=") ? parseExpression(true) : null);
        }
        expectOperator(")");
    }

    private Stmt parseCallBlock() {
        int line = next().line();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (current().isOperator("(")) {
            parseSignature(params, defaults);
        }
        Expr call = parseExpression(true);
        if (!(call instanceof Call c)) {
            throw fail("expected call", current());
        }
        expect(Kind.BLOCK_END, null);
        List<Stmt> body = macroBody("endcall");
        return new CallBlock(c, signature("caller", params, defaults, body), body, line);
    }

    private Stmt parseFilterBlock() {
        int line = next().line();
        Expr filter = parseFilter(null, true);
        expect(Kind.BLOCK_END, null);
        return new FilterBlock(filter, body("endfilter"), line);
    }

    private Stmt parseWith() {
        int line = next().line();
        List<Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (current().kind() != Kind.BLOCK_END) {
            if (!targets.isEmpty()) {
                expectOperator(",");
            }
            targets.add(parseAssignTarget(true, false, List.of(), false));
            expectOperator("=");
            values.add(parseExpression(true));
        }
        expect(Kind.BLOCK_END, null);
        return new With(targets, values, body("endwith"), line);
    }

    private Target parseAssignTarget(boolean withTuple, boolean nameOnly, List<String> endNames, boolean withNamespace) {
        Token t = current();
        if (withNamespace && t.kind() == Kind.NAME && look().isOperator(".")) {
            next();
            next();
            return new AttrTarget(t.text(), expect(Kind.NAME, null).text());
        }
        if (nameOnly) {
            return new NameTarget(expect(Kind.NAME, null).text());
        }
        Expr e = withTuple ? parseTuple(true, true, endNames, false) : parsePrimary();
        return toTarget(e, t);
    }

    private Target toTarget(Expr e, Token at) {
        if (e instanceof Name n) {
            if (List.of("true", "false", "none", "True", "False", "None").contains(n.name())) {
                throw fail("can't assign to '" + n.name() + "'", at);
            }
            return new NameTarget(n.name());
        }
        if (e instanceof TupleLit tuple) {
            List<Target> items = new ArrayList<>();
            for (Expr item : tuple.items()) {
                items.add(toTarget(item, at));
            }
            return new TupleTarget(items);
        }
        throw fail("can't assign to " + e.getClass().getSimpleName(), at);
    }

    // ---- expressions -------------------------------------------------------------------------------------------

    private boolean isTupleEnd(List<String> endNames) {
        Token t = current();
        return t.kind() == Kind.VARIABLE_END || t.kind() == Kind.BLOCK_END || t.isOperator(")")
                || (t.kind() == Kind.NAME && endNames.contains(t.text()));
    }

    private Expr parseTuple(boolean simplified, boolean withCondexpr, List<String> endNames, boolean explicitParens) {
        int line = current().line();
        List<Expr> args = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!args.isEmpty()) {
                expectOperator(",");
            }
            if (isTupleEnd(endNames)) {
                break;
            }
            args.add(simplified ? parsePrimary() : parseExpression(withCondexpr));
            if (current().isOperator(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (!args.isEmpty()) {
                return args.get(0);
            }
            if (!explicitParens) {
                throw fail("expected an expression, got " + describe(current()), current());
            }
        }
        return new TupleLit(args, line);
    }

    private Expr parseExpression(boolean withCondexpr) {
        return withCondexpr ? parseCondexpr() : parseOr();
    }

    private Expr parseCondexpr() {
        Expr expr = parseOr();
        while (current().isName("if")) {
            int line = next().line();
            Expr condition = parseOr();
            Expr otherwise = skipName("else") ? parseCondexpr() : null;
            expr = new CondExpr(condition, expr, otherwise, line);
        }
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (current().isName("or")) {
            int line = next().line();
            left = new Or(left, parseAnd(), line);
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (current().isName("and")) {
            int line = next().line();
            left = new And(left, parseNot(), line);
        }
        return left;
    }

    private Expr parseNot() {
        if (current().isName("not")) {
            int line = next().line();
            return new Not(parseNot(), line);
        }
        return parseCompare();
    }

    private static final List<String> COMPARE_OPS = List.of("==", "!=", "<", "<=", ">", ">=");

    private Expr parseCompare() {
        int line = current().line();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = current();
            if (t.kind() == Kind.OPERATOR && COMPARE_OPS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && look().isName("in")) {
                next();
                next();
                ops.add("notin");
            } else {
                break;
            }
            operands.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Compare(first, ops, operands, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (current().isOperator("+") || current().isOperator("-")) {
            Token op = next();
            left = new Binary(op.text(), left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        Expr left = parseMath2();
        while (current().isOperator("~")) {
            Token op = next();
            left = new Binary("~", left, parseMath2(), op.line());
        }
        return left;
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (current().isOperator("*") || current().isOperator("/") || current().isOperator("//")
                || current().isOperator("%")) {
            Token op = next();
            left = new Binary(op.text(), left, parsePow(), op.line());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (current().isOperator("**")) {
            Token op = next();
            left = new Binary("**", left, parseUnary(true), op.line());
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = current();
        Expr node;
        if (t.isOperator("-") || t.isOperator("+")) {
            next();
            node = new Unary(t.text(), parseUnary(false), t.line());
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        if (withFilter) {
            node = parseFilterExpr(node);
        }
        return node;
    }

    private Expr parsePrimary() {
        Token t = current();
        switch (t.kind()) {
            case NAME -> {
                next();
                return switch (t.text()) {
                    case "true", "True" -> new Literal(Boolean.TRUE, t.line());
                    case "false", "False" -> new Literal(Boolean.FALSE, t.line());
                    case "none", "None" -> new Literal(null, t.line());
                    default -> new Name(t.text(), t.line());
                };
            }
            case STRING -> {
                next();
                StringBuilder s = new StringBuilder((String) t.value());
                while (current().kind() == Kind.STRING) {
                    s.append((String) next().value());
                }
                return new Literal(s.toString(), t.line());
            }
            case INTEGER, FLOAT -> {
                next();
                return new Literal(t.value(), t.line());
            }
            case OPERATOR -> {
                switch (t.text()) {
                    case "(" -> {
                        next();
                        Expr e = parseTuple(false, true, List.of(), true);
                        expectOperator(")");
                        return e;
                    }
                    case "[" -> {
                        return parseList();
                    }
                    case "{" -> {
                        return parseDict();
                    }
                    default -> throw fail("unexpected " + describe(t), t);
                }
            }
            default -> throw fail("unexpected " + describe(t), t);
        }
    }

    private Expr parseList() {
        int line = expectOperator("[").line();
        List<Expr> items = new ArrayList<>();
        while (!current().isOperator("]")) {
            if (!items.isEmpty()) {
                expectOperator(",");
            }
            if (current().isOperator("]")) {
                break;
            }
            items.add(parseExpression(true));
        }
        expectOperator("]");
        return new ListLit(items, line);
    }

    private Expr parseDict() {
        int line = expectOperator("{").line();
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().isOperator("}")) {
            if (!keys.isEmpty()) {
                expectOperator(",");
            }
            if (current().isOperator("}")) {
                break;
            }
            keys.add(parseExpression(true));
            expectOperator(":");
            values.add(parseExpression(true));
        }
        expectOperator("}");
        return new DictLit(keys, values, line);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            Token t = current();
            if (t.isOperator(".") || t.isOperator("[")) {
                node = parseSubscript(node);
            } else if (t.isOperator("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            Token t = current();
            if (t.isOperator("|")) {
                node = parseFilter(node, false);
            } else if (t.isName("is")) {
                node = parseTest(node);
            } else if (t.isOperator("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = next();
        if (t.isOperator(".")) {
            Token attr = next();
            if (attr.kind() == Kind.NAME) {
                return new GetAttr(node, attr.text(), t.line());
            }
            if (attr.kind() == Kind.INTEGER) {
                return new GetItem(node, new Literal(attr.value(), attr.line()), t.line());
            }
            throw fail("expected name or number", attr);
        }
        List<Expr> args = new ArrayList<>();
        while (!current().isOperator("]")) {
            if (!args.isEmpty()) {
                expectOperator(",");
            }
            args.add(parseSubscribed());
        }
        expectOperator("]");
        Expr key = args.size() == 1 ? args.get(0) : new TupleLit(args, t.line());
        return new GetItem(node, key, t.line());
    }

    private Expr parseSubscribed() {
        int line = current().line();
        Expr start = null;
        if (current().isOperator(":")) {
            next();
        } else {
            Expr node = parseExpression(true);
            if (!current().isOperator(":")) {
                return node;
            }
            next();
            start = node;
        }
        Expr stop = null;
        if (!current().isOperator(":") && !current().isOperator("]") && !current().isOperator(",")) {
            stop = parseExpression(true);
        }
        Expr step = null;
        if (current().isOperator(":")) {
            next();
            if (!current().isOperator("]") && !current().isOperator(",")) {
                step = parseExpression(true);
            }
        }
        return new Slice(start, stop, step, line);
    }

    private record Arguments(List<Expr> args, List<String> names, List<Expr> values, Expr star, Expr starStar) {
    }

    private Arguments parseCallArgs() {
        expectOperator("(");
        List<Expr> args = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        Expr star = null;
        Expr starStar = null;
        boolean requireComma = false;
        while (!current().isOperator(")")) {
            if (requireComma) {
                expectOperator(",");
                if (current().isOperator(")")) {
                    break;
                }
            }
            if (skipOperator("*")) {
                star = parseExpression(true);
            } else if (skipOperator("**")) {
                starStar = parseExpression(true);
            } else if (current().kind() == Kind.NAME && look().isOperator("=")) {
                String key = next().text();
                next();
                names.add(key);
                values.add(parseExpression(true));
            } else {
                if (!names.isEmpty()) {
                    throw fail("positional argument after keyword argument", current());
                }
                args.add(parseExpression(true));
            }
            requireComma = true;
        }
        expectOperator(")");
        return new Arguments(args, names, values, star, starStar);
    }

    private Expr parseCall(Expr node) {
        int line = current().line();
        Arguments a = parseCallArgs();
        return new Call(node, a.args(), a.names(), a.values(), a.star(), a.starStar(), line);
    }

    private Expr parseFilter(Expr node, boolean startInline) {
        while (current().isOperator("|") || startInline) {
            if (!startInline) {
                next();
            }
            Token name = expect(Kind.NAME, null);
            StringBuilder full = new StringBuilder(name.text());
            while (current().isOperator(".")) {
                next();
                full.append('.').append(expect(Kind.NAME, null).text());
            }
            Arguments a = current().isOperator("(") ? parseCallArgs()
                    : new Arguments(List.of(), List.of(), List.of(), null, null);
            node = new Filter(node, full.toString(), a.args(), a.names(), a.values(), name.line());
            startInline = false;
        }
        return node;
    }

    private Expr parseTest(Expr node) {
        Token is = next();
        boolean negated = skipName("not");
        Token name = expect(Kind.NAME, null);
        StringBuilder full = new StringBuilder(name.text());
        while (current().isOperator(".")) {
            next();
            full.append('.').append(expect(Kind.NAME, null).text());
        }
        List<Expr> args = List.of();
        Token t = current();
        if (t.isOperator("(")) {
            args = parseCallArgs().args();
        } else if ((t.kind() == Kind.NAME || t.kind() == Kind.STRING || t.kind() == Kind.INTEGER
                || t.kind() == Kind.FLOAT || t.isOperator("[") || t.isOperator("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) {
                throw fail("You cannot chain multiple tests with is", t);
            }
            args = List.of(parsePostfix(parsePrimary()));
        }
        return new Test(node, full.toString(), args, negated, is.line());
    }
}
