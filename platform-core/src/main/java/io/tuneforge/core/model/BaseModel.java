package io.tuneforge.core.model;

import io.tuneforge.core.team.Team;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Optional;

/** A pretrained model in Hugging Face layout on the server, that jobs fine-tune. */
@Entity
@Table(name = "base_models")
public class BaseModel {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    /** Owning team; null when shared with every team. */
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "team_id")
    private Team team;

    @Column(nullable = false, unique = true, length = 200)
    private String name;

    /** The model directory on the server (inside an allowed root). */
    @Column(nullable = false, length = 2000)
    private String path;

    /** From config.json, e.g. {@code LlamaForCausalLM}. */
    @Column(nullable = false, length = 100)
    private String architecture;

    @Column(name = "parameter_count", nullable = false)
    private long parameterCount;

    /** Storage dtype of the weights, e.g. {@code bfloat16}. */
    @Column(nullable = false, length = 20)
    private String dtype;

    /** The Jinja2 chat template from tokenizer_config.json, if the model has one. */
    @Column(name = "chat_template")
    private String chatTemplate;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt = Instant.now();

    protected BaseModel() {
    }

    public BaseModel(Team team, String name, String path, String architecture, long parameterCount, String dtype,
            String chatTemplate) {
        this.team = team;
        this.name = name;
        this.path = path;
        this.architecture = architecture;
        this.parameterCount = parameterCount;
        this.dtype = dtype;
        this.chatTemplate = chatTemplate;
    }

    public Long getId() {
        return id;
    }

    public Optional<Team> getTeam() {
        return Optional.ofNullable(team);
    }

    public String getName() {
        return name;
    }

    public String getPath() {
        return path;
    }

    public String getArchitecture() {
        return architecture;
    }

    public long getParameterCount() {
        return parameterCount;
    }

    public String getDtype() {
        return dtype;
    }

    public Optional<String> getChatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
