package io.tuneforge.trainer.template.jinja;

import io.tuneforge.trainer.template.TemplateException;
import io.tuneforge.trainer.template.jinja.Node.Stmt;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * A compiled Jinja2 template with Python semantics, rendered as Hugging Face's {@code apply_chat_template} does:
 * jinja2's {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with the loop-controls
 * extension, the {@code generation} block, {@code raise_exception}, {@code strftime_now} and HF's {@code tojson}.
 *
 * <p>Thread-safe: a compiled template may be rendered concurrently.
 */
public final class JinjaTemplate {

    private final List<Stmt> body;
    private final Map<List<Stmt>, java.util.Set<String>> frames;
    private final Clock clock;

    private JinjaTemplate(List<Stmt> body, Clock clock) {
        this.body = body;
        this.frames = FrameAnalysis.analyze(body);
        this.clock = clock;
    }

    /**
     * Parses a template source.
     *
     * @throws TemplateException with the template line when the source is not valid Jinja2
     */
    public static JinjaTemplate compile(String source) {
        return compile(source, Clock.systemDefaultZone());
    }

    /** Parses a template whose {@code strftime_now} reads the given clock. */
    public static JinjaTemplate compile(String source, Clock clock) {
        return new JinjaTemplate(Parser.parse(source), clock);
    }

    /**
     * Renders with the given variables: JSON-like Java values (String, Number, Boolean, null, List, Map), copied
     * and converted to Python values; Java {@code null} is Python {@code None}.
     *
     * @throws TemplateRaisedException when the template calls {@code raise_exception(message)}
     * @throws TemplateException       for any other error, naming the template line
     */
    public String render(Map<String, ?> variables) {
        Scope context = new Scope(null);
        variables.forEach((name, value) -> context.set(name, PyOps.fromJava(value)));
        Scope root = new Scope(context);
        Interpreter interpreter = new Interpreter(Globals.create(clock), frames);
        interpreter.enterFrame(body, root);
        StringBuilder out = new StringBuilder();
        try {
            interpreter.execute(body, root, out);
        } catch (StackOverflowError e) {
            throw new TemplateException("chat template recursed too deeply", e);
        }
        return out.toString();
    }
}
