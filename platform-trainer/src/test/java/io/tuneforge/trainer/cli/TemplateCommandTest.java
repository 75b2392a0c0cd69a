package io.tuneforge.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code template render} prints exactly the rendered text and turns template errors into exit code 1. */
class TemplateCommandTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = TrainerCli.newCommandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private Path file(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void rendersQwen3WithThinkingDisabledExactly() throws IOException {
        Path messages = file("m.json", "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        Result r = run("template", "render", "--model", Fixtures.path("tokenizers/qwen3").toString(),
                "--messages", messages.toString(), "--add-generation-prompt", "--var", "enable_thinking=false");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    @Test
    void passesToolsFromAFile() throws IOException {
        Path messages = file("m.json", "{\"messages\": [{\"role\": \"user\", \"content\": \"Weather?\"}]}");
        Path tools = file("t.json", "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": {\"t\": 1.0}}}]");
        Result r = run("template", "render", "--model", Fixtures.path("tokenizers/qwen3").toString(),
                "--messages", messages.toString(), "--tools", tools.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                + "\"parameters\": {\"t\": 1.0}}}\n</tools>");
    }

    @Test
    void toolsMayComeWithTheMessages() throws IOException {
        Path messages = file("m.json", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], "
                + "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]}");
        Result r = run("template", "render", "--model", Fixtures.path("tokenizers/qwen3").toString(),
                "--messages", messages.toString());
        assertThat(r.out()).contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"f\"}}\n</tools>");
    }

    @Test
    void aBuiltinTemplateNeedsNoModel() throws IOException {
        Path messages = file("m.json", "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        Result r = run("template", "render", "--template", "chatml", "--messages", messages.toString());
        assertThat(r.out()).isEqualTo("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void aRaisedTemplateErrorExitsNonZeroWithTheMessage() throws IOException {
        file("tokenizer_config.json", "{\"chat_template\": \"{{ raise_exception('Only user and assistant roles are supported!') }}\"}");
        Path messages = file("m.json", "[{\"role\": \"tool\", \"content\": \"x\"}]");
        Result r = run("template", "render", "--model", dir.toString(), "--messages", messages.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("Only user and assistant roles are supported!");
    }

    @Test
    void aModelWithoutTemplateRendersWithItsFamilysOrDefault() throws IOException {
        Path messages = file("m.json", "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        Result r = run("template", "render", "--model", Fixtures.stories260K().toString(), "--messages", messages.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Human: Hi");
    }

    @Test
    void variablesAreParsedAsJsonOrText() {
        assertThat(TemplateCommand.Render.parseValue("false")).isEqualTo(false);
        assertThat(TemplateCommand.Render.parseValue("3")).isEqualTo(3);
        assertThat(TemplateCommand.Render.parseValue("2.5")).isEqualTo(2.5);
        assertThat(TemplateCommand.Render.parseValue("[1, \"a\"]")).isEqualTo(java.util.List.of(1, "a"));
        assertThat(TemplateCommand.Render.parseValue("null")).isNull();
        assertThat(TemplateCommand.Render.parseValue("plain text")).isEqualTo("plain text");
    }
}
