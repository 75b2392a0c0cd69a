package io.tuneforge.trainer.export;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Chat formats an Ollama {@code Modelfile} can express: the Go template Ollama renders and the stop strings that end a
 * reply. Detected from the markers of a model's Jinja chat template, or chosen by name (a job's LLaMA-Factory template
 * name, {@link #ofTemplate}). BOS is not written into the templates: llama.cpp adds it itself when
 * {@code tokenizer.ggml.add_bos_token} is true. {@value #EOS} (a Go template comment) stands for the model's EOS token;
 * {@link OllamaModelfile} writes the token there.
 */
public enum ChatFormat {
    LLAMA3("""
            {{ if .System }}<|start_header_id|>system<|end_header_id|>

            {{ .System }}<|eot_id|>{{ end }}{{ range .Messages }}{{ if eq .Role "user" }}<|start_header_id|>user<|end_header_id|>

            {{ .Content }}<|eot_id|><|start_header_id|>assistant<|end_header_id|>

            {{ else if eq .Role "assistant" }}{{ .Content }}<|eot_id|>{{ end }}{{ end }}""",
            List.of("<|eot_id|>", "<|start_header_id|>", "<|end_header_id|>")),
    CHATML("""
            {{ if .System }}<|im_start|>system
            {{ .System }}<|im_end|>
            {{ end }}{{ range .Messages }}{{ if eq .Role "user" }}<|im_start|>user
            {{ .Content }}<|im_end|>
            <|im_start|>assistant
            {{ else if eq .Role "assistant" }}{{ .Content }}<|im_end|>
            {{ end }}{{ end }}""",
            List.of("<|im_end|>", "<|im_start|>")),
    LLAMA2("""
            {{ range $i, $m := .Messages }}{{ if eq $m.Role "user" }}[INST] {{ if and (eq $i 0) $.System }}<<SYS>>
            {{ $.System }}
            <</SYS>>

            {{ end }}{{ $m.Content }} [/INST]{{ else if eq $m.Role "assistant" }} {{ $m.Content }}</s>{{ end }}{{ end }}""",
            List.of("[INST]", "[/INST]", "</s>")),
    MISTRAL("""
            {{ range $i, $m := .Messages }}{{ if eq $m.Role "user" }}[INST] {{ if and (eq $i 0) $.System }}{{ $.System }}

            {{ end }}{{ $m.Content }}[/INST]{{ else if eq $m.Role "assistant" }}{{ $m.Content }}</s>{{ end }}{{ end }}""",
            List.of("[INST]", "[/INST]", "</s>")),
    GEMMA("""
            {{ range $i, $m := .Messages }}{{ if eq $m.Role "user" }}<start_of_turn>user
            {{ if and (eq $i 0) $.System }}{{ $.System }}

            {{ end }}{{ $m.Content }}<end_of_turn>
            <start_of_turn>model
            {{ else if eq $m.Role "assistant" }}{{ $m.Content }}<end_of_turn>
            {{ end }}{{ end }}""",
            List.of("<end_of_turn>", "<start_of_turn>")),
    /** LLaMA-Factory's {@code default} template (Human / Assistant turns, each closed with the EOS token). */
    DEFAULT("""
            {{ if .System }}System: {{ .System }}{{/* eos */}}
            {{ end }}{{ range .Messages }}{{ if eq .Role "user" }}Human: {{ .Content }}{{/* eos */}}
            Assistant:{{ else if eq .Role "assistant" }}{{ .Content }}{{/* eos */}}
            {{ end }}{{ end }}""",
            List.of()),
    /** LLaMA-Factory's {@code alpaca} template, with its default system text when the conversation has none. */
    ALPACA("""
            {{ if .System }}{{ .System }}{{ else }}Below is an instruction that describes a task. Write a response \
            that appropriately completes the request.

            {{ end }}{{ range .Messages }}{{ if eq .Role "user" }}### Instruction:
            {{ .Content }}

            ### Response:
            {{ else if eq .Role "assistant" }}{{ .Content }}{{/* eos */}}

            {{ end }}{{ end }}""",
            List.of()),
    /** A base model without a chat template: the prompt is the raw text. */
    RAW("{{ .Prompt }}", List.of());

    /** Where a template writes the model's EOS token (a Go template comment, so nothing when there is none). */
    public static final String EOS = "{{/* eos */}}";

    /** The Go template for Ollama's TEMPLATE instruction. */
    public final String goTemplate;
    /** Strings that end a reply (PARAMETER stop), besides the model's EOS token. */
    public final List<String> stops;

    ChatFormat(String goTemplate, List<String> stops) {
        this.goTemplate = goTemplate;
        this.stops = stops;
    }

    /** Recognises a Jinja chat template by its markers; empty when it matches none. */
    public static Optional<ChatFormat> detect(String jinja) {
        if (jinja.contains("<|start_header_id|>")) {
            return Optional.of(LLAMA3);
        }
        if (jinja.contains("<|im_start|>")) {
            return Optional.of(CHATML);
        }
        if (jinja.contains("<start_of_turn>")) {
            return Optional.of(GEMMA);
        }
        if (jinja.contains("<<SYS>>")) {
            return Optional.of(LLAMA2);
        }
        if (jinja.contains("[INST]")) {
            return Optional.of(MISTRAL);
        }
        return Optional.empty();
    }

    /**
     * The format of a job's LLaMA-Factory template name, when a Modelfile can express it; empty for other names
     * (the format is then detected from the model's own chat template).
     */
    public static Optional<ChatFormat> ofTemplate(String llamaFactoryName) {
        return switch (llamaFactoryName.toLowerCase(Locale.ROOT)) {
            case "llama3" -> Optional.of(LLAMA3);
            case "qwen", "qwen3", "qwen3_nothink", "chatml", "yi" -> Optional.of(CHATML);
            case "llama2" -> Optional.of(LLAMA2);
            case "mistral" -> Optional.of(MISTRAL);
            case "gemma", "gemma3" -> Optional.of(GEMMA);
            case "default" -> Optional.of(DEFAULT);
            case "alpaca" -> Optional.of(ALPACA);
            case "empty" -> Optional.of(RAW);
            default -> Optional.empty();
        };
    }

    /** Parses a format name: llama3, chatml (also qwen, qwen2, qwen3), llama2, mistral, gemma, default, alpaca, raw. */
    public static ChatFormat parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "llama3" -> LLAMA3;
            case "chatml", "qwen", "qwen2", "qwen3" -> CHATML;
            case "llama2" -> LLAMA2;
            case "mistral" -> MISTRAL;
            case "gemma", "gemma3" -> GEMMA;
            case "default" -> DEFAULT;
            case "alpaca" -> ALPACA;
            case "raw", "none" -> RAW;
            default -> throw new ExportException("unknown chat format '" + name
                    + "': use llama3, chatml, qwen, llama2, mistral, gemma, default, alpaca or raw");
        };
    }
}
