package io.tuneforge.trainer.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tuneforge.trainer.export.GgmlType;
import io.tuneforge.trainer.model.safetensors.SafetensorsDType;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OutputSettingsTest {

    @Test
    void aJobWithoutOutputKeysMergesInFloat32ComparesSixteenRowsAndExportsNoGguf() {
        assertThat(OutputSettings.parse(Map.of()))
                .isEqualTo(new OutputSettings(SafetensorsDType.F32, 16, 128, Optional.empty()));
    }

    @Test
    void readsEveryOutputKey() {
        assertThat(OutputSettings.parse(Map.of("merge_dtype", "float16", "predict_samples", 0,
                "predict_max_new_tokens", "64", "export_gguf", "Q8_0")))
                .isEqualTo(new OutputSettings(SafetensorsDType.F16, 0, 64, Optional.of(GgmlType.Q8_0)));
        assertThat(OutputSettings.parse(Map.of("export_gguf", "none")).exportGguf()).isEmpty();
    }

    @Test
    void refusesValuesItCannotUseAsAnInvalidConfiguration() {
        assertThatThrownBy(() -> OutputSettings.parse(Map.of("export_gguf", "q4_k")))
                .isInstanceOfSatisfying(JobFailureException.class,
                        e -> assertThat(e.failure().code()).isEqualTo("invalid_config"))
                .hasMessageContaining("export_gguf 'q4_k'");
        assertThatThrownBy(() -> OutputSettings.parse(Map.of("predict_samples", -1)))
                .hasMessageContaining("predict_samples '-1' must be a whole number >= 0");
        assertThatThrownBy(() -> OutputSettings.parse(Map.of("merge_dtype", "int8")))
                .hasMessageContaining("merge_dtype");
    }
}
