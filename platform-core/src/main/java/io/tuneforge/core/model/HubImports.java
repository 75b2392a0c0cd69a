package io.tuneforge.core.model;

import io.tuneforge.core.user.Actor;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.stereotype.Service;

/**
 * Hub imports started without a browser (the REST API): each one's latest progress and outcome, so that a client can
 * poll it, cancel it, and read the registered model or the reason it failed. Held in memory: an import does not
 * survive a restart anyway (its temporary folder is removed), and an ended one is forgotten after
 * {@link #KEEP_ENDED}.
 */
@Service
public class HubImports {

    /** How long an ended import can still be read. */
    static final Duration KEEP_ENDED = Duration.ofDays(1);

    private final HubImportService hub;
    private final Map<String, Tracked> imports = new ConcurrentHashMap<>();

    public HubImports(HubImportService hub) {
        this.hub = hub;
    }

    /**
     * Starts an import for the actor's team.
     *
     * @throws ModelException when the request is malformed or the name is taken
     */
    public HubImportView start(Actor actor, HubImportRequest request) {
        forgetEnded();
        AtomicReference<HubProgress> progress = new AtomicReference<>(new HubProgress("", 0, 0, 0, 0));
        HubDownload download = hub.start(actor, request, progress::set);
        String id = "imp_" + UUID.randomUUID().toString().replace("-", "");
        Tracked tracked = new Tracked(id, actor.teamId(), download, progress, Instant.now());
        imports.put(id, tracked);
        return tracked.view();
    }

    /** The imports the actor may see, newest first. */
    public List<HubImportView> list(Actor actor) {
        forgetEnded();
        return imports.values().stream().filter(t -> actor.canSee(t.teamId()))
                .sorted(Comparator.comparing(Tracked::createdAt).reversed()).map(Tracked::view).toList();
    }

    /** @throws HubImportNotFoundException when there is none the actor may see */
    public HubImportView get(Actor actor, String id) {
        return find(actor, id).view();
    }

    /**
     * Cancels a running import; an ended one, or one already registering its model, is returned as it is.
     *
     * @throws HubImportNotFoundException when there is none the actor may see
     */
    public HubImportView cancel(Actor actor, String id) {
        actor.requireWriter();
        Tracked tracked = find(actor, id);
        tracked.download().cancel();
        return tracked.view();
    }

    private Tracked find(Actor actor, String id) {
        Tracked tracked = imports.get(id);
        if (tracked == null || !actor.canSee(tracked.teamId())) {
            throw new HubImportNotFoundException(id);
        }
        return tracked;
    }

    private void forgetEnded() {
        Instant before = Instant.now().minus(KEEP_ENDED);
        imports.values().removeIf(t -> t.endedAt().map(e -> e.isBefore(before)).orElse(false));
    }

    /** One import: its download, its latest progress and when it ended. */
    private final class Tracked {

        private final String id;
        private final long teamId;
        private final HubDownload download;
        private final AtomicReference<HubProgress> progress;
        private final Instant createdAt;
        private final CompletableFuture<BaseModelSummary> result;
        private volatile Instant endedAt;

        Tracked(String id, long teamId, HubDownload download, AtomicReference<HubProgress> progress,
                Instant createdAt) {
            this.id = id;
            this.teamId = teamId;
            this.download = download;
            this.progress = progress;
            this.createdAt = createdAt;
            this.result = download.result();
            result.whenComplete((model, error) -> endedAt = Instant.now());
        }

        long teamId() {
            return teamId;
        }

        HubDownload download() {
            return download;
        }

        Instant createdAt() {
            return createdAt;
        }

        Optional<Instant> endedAt() {
            return Optional.ofNullable(endedAt);
        }

        HubImportView view() {
            HubImportStatus status = HubImportStatus.RUNNING;
            Optional<BaseModelSummary> model = Optional.empty();
            Optional<String> error = Optional.empty();
            if (result.isDone()) {
                try {
                    model = Optional.of(result.join());
                    status = HubImportStatus.SUCCEEDED;
                } catch (CancellationException | CompletionException e) {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    status = cause instanceof CancellationException ? HubImportStatus.CANCELLED
                            : HubImportStatus.FAILED;
                    error = Optional.of(cause.getMessage() == null ? cause.toString() : cause.getMessage());
                }
            }
            return new HubImportView(id, download.request(), status, progress.get(), model, error, createdAt);
        }
    }
}
