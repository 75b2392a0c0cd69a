package io.tuneforge.web.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.DuplicateDatasetVersionException;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.model.BaseModelService;
import io.tuneforge.core.model.BaseModelSummary;
import io.tuneforge.core.user.Actor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** A team's starting material for view tests: the stories260K model and LLaMA-Factory's identity.json. */
public final class Workspace {

    private Workspace() {
    }

    /** A fixture path; skips the test with a clear message when ../shared/fixtures is absent. */
    public static Path fixture(String relative) {
        String fixtures = System.getProperty("tuneforge.fixtures");
        assumeTrue(fixtures != null && Files.exists(Path.of(fixtures, relative)),
                "fixtures absent: ../shared/fixtures/" + relative);
        return Path.of(fixtures, relative);
    }

    public static BaseModelSummary stories(BaseModelService models, Actor actor) {
        return models.register(actor, "stories-" + actor.userId() + "-" + System.nanoTime(),
                fixture("models/stories260K").toString(), false);
    }

    public static VersionDetails identity(DatasetService datasets, Actor actor) {
        Path file = fixture("datasets/llama_factory/identity.json");
        try (InputStream in = Files.newInputStream(file)) {
            return datasets.upload(actor, "identity", "identity.json", in, Optional.empty());
        } catch (DuplicateDatasetVersionException e) {
            // the actor's team uploaded it before: the same file is that version
            return datasets.version(actor, e.existingVersionId());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A small preference dataset of the actor's team (two LLaMA-Factory pairwise rows), for stage dpo and rm jobs;
     * the same version when the team has it already.
     */
    public static VersionDetails preferencePairs(DatasetService datasets, Actor actor) {
        String rows = """
                {"instruction": "Tell me a story.", "chosen": "Once upon a time there was a cat.", "rejected": "No."}
                {"instruction": "Say hello.", "chosen": "Hello! How are you?", "rejected": "Go away."}
                """;
        try (InputStream in = new java.io.ByteArrayInputStream(rows.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
            return datasets.upload(actor, "pairs", "pairs.jsonl", in, Optional.empty());
        } catch (DuplicateDatasetVersionException e) {
            return datasets.version(actor, e.existingVersionId());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
