package io.tuneforge.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tuneforge.trainer.Fixtures;
import io.tuneforge.trainer.export.GgufNodeReader;
import io.tuneforge.trainer.export.SafetensorsWeightSource;
import io.tuneforge.trainer.export.TestAdapters;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ExportGgufCommandTest {

    private static final String V = "model.layers.1.self_attn.v_proj.weight";
    private static final String Q = "model.layers.1.self_attn.q_proj.weight";

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = TrainerCli.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void adapterIsMergedBeforeExport() throws Exception {
        Path model = Fixtures.stories260K();
        Path adapter = dir.resolve("adapter");
        Map<String, TestAdapters.Lora> loras;
        float[] baseV;
        float[] baseQ;
        try (var base = SafetensorsWeightSource.openModelDir(model)) {
            loras = TestAdapters.write(adapter, base, List.of(Q, V), 4, 8.0, 0.3, 7);
            baseV = base.read(V);
            baseQ = base.read(Q);
        }
        Path out = dir.resolve("merged.gguf");
        Run run = cli("export-gguf", "--model", model.toString(), "--adapter", adapter.toString(),
                "--out", out.toString(), "--type", "f32", "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode report = JsonMapper.builder().build().readTree(run.out());
        assertThat(report.get("tensors").asInt()).isEqualTo(47);

        JsonNode parsed = GgufNodeReader.read(out);
        long dataStart = Long.parseLong(parsed.get("tensorDataOffset").asString());
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
        double[] expectedV = TestAdapters.merged(baseV, loras.get(V), 4, 8.0);
        int vAt = (int) (dataStart + offset(parsed, "blk.1.attn_v.weight"));
        double changed = 0;
        for (int i = 0; i < expectedV.length; i++) {
            assertThat((double) bytes.getFloat(vAt + 4 * i)).isCloseTo(expectedV[i], within(1e-5));
            changed = Math.max(changed, Math.abs(expectedV[i] - baseV[i]));
        }
        assertThat(changed).as("the adapter really changes the weight").isGreaterThan(0.1);
        // q is merged, then permuted: GGUF row 2i + j of head h is merged HF row h*8 + j*4 + i
        double[] expectedQ = TestAdapters.merged(baseQ, loras.get(Q), 4, 8.0);
        int qAt = (int) (dataStart + offset(parsed, "blk.1.attn_q.weight"));
        for (int col = 0; col < 64; col++) {
            assertThat((double) bytes.getFloat(qAt + 4 * ((3 * 8 + 2 * 1 + 1) * 64 + col)))
                    .isCloseTo(expectedQ[(3 * 8 + 4 + 1) * 64 + col], within(1e-5));
        }
    }

    @Test
    void badTypeExitsWithOneClearLine() {
        Run run = cli("export-gguf", "--model", Fixtures.stories260K().toString(), "--out",
                dir.resolve("x.gguf").toString(), "--type", "q4_k");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("unknown GGUF tensor type 'q4_k'");
    }

    private static long offset(JsonNode parsed, String name) {
        for (JsonNode t : parsed.get("tensors")) {
            if (t.get("name").asString().equals(name)) {
                return Long.parseLong(t.get("offset").asString());
            }
        }
        throw new AssertionError("no tensor " + name);
    }
}
