package io.tuneforge.shared.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LLaMA-Factory's precision and attention keys: bf16 and flash_attn are read, fp16 and the rest refused with why. */
class PrecisionKeysTest {

    @TempDir
    Path dir;

    @Test
    void bf16AndFlashAttnAreReadWithFloat32AndAutoAsDefaults() {
        RecipeModel defaults = JobRecipe.defaults().model();
        assertThat(defaults.bf16()).isFalse();
        assertThat(defaults.flashAttn()).isEqualTo("auto");

        RecipeModel model = JobRecipe.read(Map.of("bf16", true, "flash_attn", "sdpa"), RecipeSource.YAML).model();
        assertThat(model.bf16()).isTrue();
        assertThat(model.flashAttn()).isEqualTo("sdpa");
        assertThat(JobRecipe.read(Map.of("flash_attn", "disabled"), RecipeSource.REST).model().flashAttn())
                .isEqualTo("disabled");
    }

    @Test
    void fp16AndFa2AreRefusedWithTheReasonAndTheAlternative() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("fp16", true), RecipeSource.YAML))
                .isInstanceOf(RecipeException.class).hasMessageContaining("fp16")
                .hasMessageContaining("1 GFLOP/s").hasMessageContaining("use bf16");
        assertThatThrownBy(() -> JobRecipe.read(Map.of("flash_attn", "fa2"), RecipeSource.YAML))
                .isInstanceOfSatisfying(RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("flash_attn");
                    assertThat(e.getMessage()).contains("CUDA").contains("use sdpa");
                });
        assertThat(JobRecipe.read(Map.of("fp16", false, "pure_bf16", false), RecipeSource.YAML).model().bf16())
                .isFalse();
    }

    @Test
    void pureBf16IsReadAndComputesInBf16LikeBf16() {
        assertThat(JobRecipe.defaults().model().pureBf16()).isFalse();
        RecipeModel pure = JobRecipe.read(Map.of("pure_bf16", true, "finetuning_type", "full"), RecipeSource.YAML)
                .model();
        assertThat(pure.pureBf16()).isTrue();
        assertThat(pure.bf16()).isFalse();
        assertThat(pure.computesInBf16()).isTrue();
        assertThat(pure.bf16Key()).isEqualTo("pure_bf16");
        assertThat(JobRecipe.defaults().model().computesInBf16()).isFalse();
    }

    @Test
    void pureBf16KeepsBf16sRefusalsNamingItself() {
        assertThatThrownBy(() -> JobRecipe.read(Map.of("pure_bf16", true, "finetuning_type", "lora", "use_dora", true),
                RecipeSource.YAML)).isInstanceOfSatisfying(RecipeException.class, e -> {
                    assertThat(e.key()).isEqualTo("use_dora");
                    assertThat(e.getMessage()).contains("pure_bf16 is true");
                });
    }

    @Test
    void bf16NeedsNativeBf16InstructionsInTheCpuFlags() throws IOException {
        Path zen4 = Files.writeString(dir.resolve("zen4"), "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512bw "
                + "avx512_bf16 avx512_vnni\n");
        Path sapphire = Files.writeString(dir.resolve("spr"), "flags\t: avx512f amx_bf16 amx_tile\n");
        Path skylake = Files.writeString(dir.resolve("skx"), "flags\t: fpu avx2 avx512f avx512bw avx512_vnni\n");

        assertThat(Bf16Support.refusal(zen4)).isEmpty();
        assertThat(Bf16Support.refusal(sapphire)).isEmpty();
        assertThat(Bf16Support.refusal(skylake)).hasValueSatisfying(reason -> assertThat(reason)
                .contains("avx512_bf16").contains("slower than fp32").contains("train in fp32"));
        assertThat(Bf16Support.refusal(dir.resolve("missing"))).hasValueSatisfying(reason -> assertThat(reason)
                .contains("cannot read"));
    }
}
