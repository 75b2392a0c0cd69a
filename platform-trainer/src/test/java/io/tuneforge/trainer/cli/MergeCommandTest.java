package io.tuneforge.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.export.SafetensorsWeightSource;
import io.tuneforge.trainer.export.TestAdapters;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code merge} on stories260K with a random two-module adapter: a JSON report, and one clear line for a bad dtype. */
class MergeCommandTest {

    private static final String Q = "model.layers.0.self_attn.q_proj.weight";
    private static final String V = "model.layers.3.self_attn.v_proj.weight";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private Path model;
    private Path adapter;

    @BeforeEach
    void writeAdapter() throws Exception {
        model = Fixtures.stories260K();
        adapter = dir.resolve("adapter");
        try (var base = SafetensorsWeightSource.openModelDir(model)) {
            TestAdapters.write(adapter, base, List.of(Q, V), 8, 16.0, 0.2, 11);
        }
    }

    @Test
    void cliReportsJsonAndRejectsABadDtype() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = TrainerCli.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out",
                dir.resolve("cli").toString(), "--dtype", "float16", "--json");
        assertThat(exit).as(err.toString()).isZero();
        JsonNode report = JSON.readTree(out.toString());
        assertThat(report.get("mergedWeights").asInt()).isEqualTo(2);
        assertThat(report.get("dtype").asString()).isEqualTo("float16");

        StringWriter err2 = new StringWriter();
        var cl2 = TrainerCli.newCommandLine();
        cl2.setErr(new PrintWriter(err2));
        assertThat(cl2.execute("merge", "--model", model.toString(), "--adapter", adapter.toString(), "--out",
                dir.resolve("bad").toString(), "--dtype", "int4")).isEqualTo(1);
        assertThat(err2.toString()).contains("unknown dtype 'int4'");
    }
}
