package io.tuneforge.trainer.export;

import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/** Writes the Ollama {@code Modelfile} placed beside an exported GGUF file. */
public final class OllamaModelfile {

    private OllamaModelfile() {
    }

    /**
     * The Modelfile text: {@code FROM ./<gguf>}, the TEMPLATE of {@code format}, and one {@code PARAMETER stop} per
     * stop string (the format's, plus the EOS token when it is not already one of them).
     */
    public static String render(String ggufFileName, ChatFormat format, Optional<String> eosToken) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Ollama Modelfile written by TuneForge (chat format: ").append(format.name().toLowerCase())
                .append(")\n");
        sb.append("FROM ./").append(ggufFileName).append("\n\n");
        sb.append("TEMPLATE \"\"\"").append(format.goTemplate.replace(ChatFormat.EOS, eosToken.orElse(ChatFormat.EOS)))
                .append("\"\"\"\n\n");
        Set<String> stops = new LinkedHashSet<>(format.stops);
        eosToken.ifPresent(stops::add);
        for (String stop : stops) {
            sb.append("PARAMETER stop \"").append(stop.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n");
        }
        return sb.toString();
    }
}
