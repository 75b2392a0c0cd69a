package io.tuneforge.web.job;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/** The {@code train} configuration as LLaMA-Factory-style YAML, both ways. */
final class JobYaml {

    /** LLaMA-Factory keys an import accepts without using them (the platform decides these itself). */
    static final Set<String> IGNORED_KEYS = Set.of("stage", "do_train", "output_dir", "overwrite_output_dir",
            "plot_loss", "report_to", "bf16", "fp16", "pure_bf16", "dataset_dir", "preprocessing_num_workers",
            "overwrite_cache", "ddp_timeout", "dataloader_num_workers", "trust_remote_code", "save_only_model",
            "per_device_eval_batch_size", "eval_strategy", "evaluation_strategy", "resume_from_checkpoint");

    private JobYaml() {
    }

    static String write(Map<String, Object> config) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(2);
        return new Yaml(options).dump(config);
    }

    /**
     * Reads a YAML mapping.
     *
     * @throws IllegalArgumentException with the parser's position when it is not a YAML mapping
     */
    static Map<String, Object> read(String yaml) {
        try {
            Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
            if (!(parsed instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("Paste a YAML mapping of keys to values (key: value per line)");
            }
            Map<String, Object> values = new LinkedHashMap<>();
            map.forEach((k, v) -> values.put(String.valueOf(k), v));
            return values;
        } catch (YAMLException e) {
            throw new IllegalArgumentException("Not valid YAML: " + e.getMessage());
        }
    }
}
