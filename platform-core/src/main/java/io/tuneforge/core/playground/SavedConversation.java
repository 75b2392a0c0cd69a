package io.tuneforge.core.playground;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A playground conversation its user saved: a title and the playground's JSON document of it. */
@Entity
@Table(name = "playground_conversations")
public class SavedConversation {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "user_id", nullable = false, updatable = false)
    private Long userId;

    @Column(name = "team_id", nullable = false, updatable = false)
    private Long teamId;

    @Column(nullable = false, length = 200)
    private String title;

    /** Models, template, settings and turns of both sides, as the playground writes them. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    private String document;

    @Column(name = "created_at", nullable = false, updatable = false)
    private Instant createdAt = Instant.now();

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt = createdAt;

    protected SavedConversation() {
    }

    SavedConversation(long userId, long teamId, String title, String document) {
        this.userId = userId;
        this.teamId = teamId;
        this.title = title;
        this.document = document;
    }

    public Long getId() {
        return id;
    }

    public Long getUserId() {
        return userId;
    }

    public String getTitle() {
        return title;
    }

    public String getDocument() {
        return document;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    void replace(String newTitle, String newDocument) {
        title = newTitle;
        document = newDocument;
        updatedAt = Instant.now();
    }
}
