package io.tuneforge.core.evaluation;

import io.tuneforge.core.artifact.ArtifactKind;
import io.tuneforge.core.artifact.ArtifactStore;
import io.tuneforge.core.dataset.DatasetService;
import io.tuneforge.core.dataset.VersionDetails;
import io.tuneforge.core.job.Artifact;
import io.tuneforge.core.job.ArtifactRepository;
import io.tuneforge.core.job.FineTuningJob;
import io.tuneforge.core.job.FineTuningJobRepository;
import io.tuneforge.core.job.JobNotFoundException;
import io.tuneforge.core.job.JobStatus;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.AppUserRepository;
import io.tuneforge.shared.evaluation.ComparisonFile;
import io.tuneforge.shared.evaluation.ComparisonRow;
import io.tuneforge.shared.evaluation.EvaluationException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Blind A/B evaluation of a job's tuned model against its base model. A session is made from the job's held-out
 * predictions; each item shows the two answers in an order drawn at random per item and stored, so raters cannot
 * tell which model wrote which. Raters score both answers on five criteria and pick a preference; results and the
 * export resolve the sides back to base and tuned. Sessions belong to the job's team: members see only their team's
 * sessions (another team's reads as absent), administrators see all, viewers may look but not rate.
 */
@Service
@Transactional(readOnly = true)
public class EvaluationService {

    /** Longest session name kept. */
    public static final int MAX_NAME_LENGTH = 200;

    private final RatingSessionRepository sessions;
    private final RatingItemRepository items;
    private final RatingRepository ratings;
    private final FineTuningJobRepository jobs;
    private final ArtifactRepository artifacts;
    private final ArtifactStore store;
    private final AppUserRepository users;
    private final DatasetService datasets;
    private final RandomGenerator sides = new SecureRandom();

    public EvaluationService(RatingSessionRepository sessions, RatingItemRepository items, RatingRepository ratings,
            FineTuningJobRepository jobs, ArtifactRepository artifacts, ArtifactStore store, AppUserRepository users,
            DatasetService datasets) {
        this.datasets = datasets;
        this.sessions = sessions;
        this.items = items;
        this.ratings = ratings;
        this.jobs = jobs;
        this.artifacts = artifacts;
        this.store = store;
        this.users = users;
    }

    /**
     * A succeeded job with predictions to rate.
     *
     * @param jobId      the job
     * @param name       the job's name
     * @param baseModel  the base model's name
     * @param finishedAt when it finished
     */
    public record EvaluableJob(long jobId, String name, String baseModel, Optional<Instant> finishedAt) {
    }

    /**
     * How far a rater is through a session.
     *
     * @param rated items the rater has rated
     * @param total items in the session
     */
    public record Progress(int rated, int total) {

        /** True when the rater has rated every item. */
        public boolean done() {
            return rated >= total;
        }
    }

    /**
     * A session as listed.
     *
     * @param id         the session
     * @param name       its name
     * @param jobId      the job whose predictions it rates
     * @param jobName    that job's name
     * @param status     open or closed
     * @param myProgress the calling rater's progress
     * @param ratings    ratings by all raters
     * @param createdAt  when it was created
     */
    public record SessionSummary(long id, String name, long jobId, String jobName, SessionStatus status,
            Progress myProgress, int ratings, Instant createdAt) {
    }

    /**
     * An item as a rater sees it: which model wrote which answer is not part of it.
     *
     * @param itemId    the item
     * @param sessionId its session
     * @param position  0-based place in the session
     * @param total     items in the session
     * @param prompt    the held-out prompt
     * @param label     the reference answer ("" when none)
     * @param answerA   the answer shown as "Answer A"
     * @param answerB   the answer shown as "Answer B"
     * @param previous  the rater's earlier rating of this item, to change it
     */
    public record ItemToRate(long itemId, long sessionId, int position, int total, String prompt, String label,
            String answerA, String answerB, Optional<RatingInput> previous) {
    }

    /** Succeeded jobs visible to the actor that have predictions to rate, newest first. */
    public List<EvaluableJob> evaluableJobs(Actor actor) {
        return sessions.findJobsWithArtifact(JobStatus.SUCCEEDED, ArtifactKind.PREDICTIONS).stream()
                .filter(job -> actor.canSee(job.getTeam().getId()))
                .map(job -> new EvaluableJob(job.getId(), job.getName(), job.getBaseModel().getName(),
                        job.getFinishedAt()))
                .toList();
    }

    /** Sessions visible to the actor (all for administrators), newest first, with the actor's progress. */
    public List<SessionSummary> sessions(Actor actor) {
        List<RatingSession> visible = actor.isAdmin() ? sessions.findAllByOrderByCreatedAtDescIdDesc()
                : sessions.findByTeamIdOrderByCreatedAtDescIdDesc(actor.teamId());
        Map<Long, String> jobNames = jobs.findAllById(visible.stream().map(RatingSession::getJobId).distinct().toList())
                .stream().collect(Collectors.toMap(FineTuningJob::getId, FineTuningJob::getName));
        return visible.stream().map(s -> summary(actor, s, jobNames.getOrDefault(s.getJobId(), ""))).toList();
    }

    /** One session visible to the actor. */
    public SessionSummary session(Actor actor, long sessionId) {
        RatingSession session = visibleSession(actor, sessionId);
        return summary(actor, session, jobs.findById(session.getJobId()).map(FineTuningJob::getName).orElse(""));
    }

    /**
     * Creates a session from a succeeded job's predictions: one item per row, each with the two answers placed on
     * sides drawn at random.
     *
     * @param name the session's name, unique in the team (without case); blank for "Blind A/B of &lt;job name&gt;"
     *             (numbered "(2)", "(3)"... when taken)
     * @throws EvaluationException when another session of the team has the name
     */
    @Transactional
    public SessionSummary start(Actor actor, long jobId, String name) {
        actor.requireWriter();
        FineTuningJob job = jobs.findById(jobId).filter(j -> actor.canSee(j.getTeam().getId()))
                .orElseThrow(() -> new JobNotFoundException(jobId));
        if (job.getStatus() != JobStatus.SUCCEEDED) {
            throw new EvaluationException("Job " + jobId + " is " + job.getStatus().apiName()
                    + ": only a succeeded job has answers to rate");
        }
        List<ComparisonRow> rows = ComparisonFile.read(predictionsFile(job));
        long teamId = job.getTeam().getId();
        RatingSession session;
        try {
            session = sessions.saveAndFlush(new RatingSession(teamId, jobId, actor.userId(), freeName(teamId, name, job)));
        } catch (DataIntegrityViolationException e) { // the same name saved meanwhile by someone else
            throw nameTaken(name);
        }
        List<RatingItem> created = new ArrayList<>();
        for (int position = 0; position < rows.size(); position++) {
            Side tunedSide = sides.nextBoolean() ? Side.A : Side.B;
            created.add(new RatingItem(session.getId(), position, rows.get(position), tunedSide));
        }
        items.saveAll(created);
        return summary(actor, session, job.getName());
    }

    /** The first item the actor has not rated yet, or empty when they have rated them all. */
    public Optional<ItemToRate> nextItem(Actor actor, long sessionId) {
        visibleSession(actor, sessionId);
        int total = (int) items.countBySessionId(sessionId);
        return items.findFirstUnrated(sessionId, actor.userId()).map(item -> toRate(actor, item, total));
    }

    /** The item at a 0-based position, with the actor's earlier rating of it if any (to review or change it). */
    public ItemToRate item(Actor actor, long sessionId, int position) {
        visibleSession(actor, sessionId);
        List<RatingItem> all = items.findBySessionIdOrderByPositionAsc(sessionId);
        if (position < 0 || position >= all.size()) {
            throw new EvaluationException("Item " + (position + 1) + " does not exist: the session has " + all.size()
                    + " items");
        }
        return toRate(actor, all.get(position), all.size());
    }

    /** Records the actor's rating of an item, replacing their earlier one; returns their progress. */
    @Transactional
    public Progress rate(Actor actor, long itemId, RatingInput input) {
        RatingItem item = items.findById(itemId).orElseThrow(() -> new RatingSessionNotFoundException("item", itemId));
        // another team's item reads as an absent one, without naming its session
        RatingSession session = sessions.findById(item.getSessionId()).filter(s -> actor.canSee(s.getTeamId()))
                .orElseThrow(() -> new RatingSessionNotFoundException("item", itemId));
        actor.requireWriter();
        if (session.getStatus() == SessionStatus.CLOSED) {
            throw new EvaluationException("Session \"" + session.getName() + "\" is closed: it takes no more ratings");
        }
        input.validate();
        ratings.findByItemIdAndRaterId(itemId, actor.userId()).ifPresentOrElse(
                rating -> rating.replaceWith(input),
                () -> ratings.save(new Rating(itemId, actor.userId(), input)));
        ratings.flush();
        return progress(actor, session.getId());
    }

    /** How many of the session's items the actor has rated. */
    public Progress progress(Actor actor, long sessionId) {
        visibleSession(actor, sessionId);
        return new Progress((int) ratings.countRatedBy(sessionId, actor.userId()),
                (int) items.countBySessionId(sessionId));
    }

    /** Ends a session: its ratings become final. */
    @Transactional
    public SessionSummary close(Actor actor, long sessionId) {
        actor.requireWriter();
        RatingSession session = visibleSession(actor, sessionId);
        session.close();
        return session(actor, sessionId);
    }

    /** The unblinded results over every rater's ratings. */
    public EvaluationResults results(Actor actor, long sessionId) {
        visibleSession(actor, sessionId);
        Map<Long, RatingItem> byId = itemsById(sessionId);
        List<EvaluationResults.Unblinded> unblinded = ratings.findAllOfSession(sessionId).stream()
                .map(r -> new EvaluationResults.Unblinded(byId.get(r.getItemId()), r)).toList();
        return EvaluationResults.of(byId.size(), unblinded);
    }

    /** Writes the unblinded ratings as CSV (one row per rating, by item then rater) to {@code out}. */
    public void exportCsv(Actor actor, long sessionId, Appendable out) {
        visibleSession(actor, sessionId);
        Map<Long, RatingItem> byId = itemsById(sessionId);
        List<Rating> all = ratings.findAllOfSession(sessionId);
        Map<Long, String> raters = users.findAllById(all.stream().map(Rating::getRaterId).distinct().toList())
                .stream().collect(Collectors.toMap(AppUser::getId, AppUser::getUsername));
        List<RatingsCsv.Row> rows = all.stream()
                .map(r -> new RatingsCsv.Row(byId.get(r.getItemId()), r, raters.getOrDefault(r.getRaterId(), "")))
                .sorted(Comparator.comparingInt((RatingsCsv.Row row) -> row.item().getPosition())
                        .thenComparing(RatingsCsv.Row::rater))
                .toList();
        RatingsCsv.write(rows, out);
    }

    /**
     * A session's ratings exported as a preference dataset (DD030).
     *
     * @param version   the dataset version holding the pairs (new, or the one that already held the same pairs)
     * @param sessionId the session the pairs come from (recorded on the version)
     * @param jobId     the job whose answers were rated: its adapter is what "Train with these ratings" continues
     * @param pairs     pairs exported (items with a preferred answer)
     * @param ties      rated items left out as ties
     * @param unrated   items left out because nobody rated them
     * @param blank     items left out because one of their two answers is empty
     */
    public record PreferenceExport(VersionDetails version, long sessionId, long jobId, int pairs, int ties,
            int unrated, int blank) {

        /** "1 tie, 2 unrated items" or "no item" — what was left out, for messages. */
        public String leftOut() {
            List<String> parts = new ArrayList<>();
            if (ties > 0) {
                parts.add(ties + (ties == 1 ? " tie" : " ties"));
            }
            if (unrated > 0) {
                parts.add(unrated + (unrated == 1 ? " unrated item" : " unrated items"));
            }
            if (blank > 0) {
                parts.add(blank + (blank == 1 ? " item" : " items") + " with an empty answer");
            }
            return parts.isEmpty() ? "no item" : String.join(", ", parts);
        }
    }

    /**
     * Exports the session's ratings as a preference dataset of the session's team: per item the answer more raters
     * preferred is {@code chosen}, the other {@code rejected}, the prompt as rated; ties and unrated items are left
     * out ({@link PreferencePairs}). Stored as the next version of the dataset "&lt;session name&gt; (preferences)",
     * LLaMA-Factory's pairwise JSON Lines with its column mapping, linked to the session.
     *
     * @throws EvaluationException when no item has a preferred answer yet (nothing to train on)
     */
    @Transactional
    public PreferenceExport exportPreferences(Actor actor, long sessionId) {
        actor.requireWriter();
        RatingSession session = visibleSession(actor, sessionId);
        List<RatingItem> all = items.findBySessionIdOrderByPositionAsc(sessionId);
        PreferencePairs.Outcome outcome = PreferencePairs.of(all, ratings.findAllOfSession(sessionId));
        if (outcome.pairs().isEmpty()) {
            throw new EvaluationException("Session \"" + session.getName() + "\" has no rated item with a preferred "
                    + "answer (" + outcome.ties() + " ties, " + outcome.unrated() + " of " + all.size()
                    + " items unrated" + (outcome.blank() > 0 ? ", " + outcome.blank() + " with an empty answer" : "")
                    + "): rate items and prefer answer A or B, ties are left out of a preference dataset");
        }
        byte[] jsonl = PreferencePairs.jsonLines(outcome.pairs()).getBytes(StandardCharsets.UTF_8);
        VersionDetails version = datasets.storeRatingExport(actor, preferenceDatasetName(session),
                "preferences-" + sessionId + "-" + slug(session.getName()) + ".jsonl", new ByteArrayInputStream(jsonl),
                PreferencePairs.COLUMNS, sessionId);
        return new PreferenceExport(version, sessionId, session.getJobId(), outcome.pairs().size(), outcome.ties(),
                outcome.unrated(), outcome.blank());
    }

    /** "&lt;session name&gt; (preferences)", cut to a dataset name's 200 characters. */
    static String preferenceDatasetName(RatingSession session) {
        String suffix = " (preferences)";
        String name = session.getName();
        return (name.length() + suffix.length() > 200 ? name.substring(0, 200 - suffix.length()) : name) + suffix;
    }

    private static String slug(String name) {
        return name.toLowerCase().replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
    }

    /** A file name for the session's export, e.g. {@code ratings-12-blind-a-b-of-support.csv}. */
    public String exportFileName(Actor actor, long sessionId) {
        RatingSession session = visibleSession(actor, sessionId);
        return "ratings-" + sessionId + "-" + session.getName().toLowerCase().replaceAll("[^a-z0-9]+", "-")
                .replaceAll("(^-+|-+$)", "") + ".csv";
    }

    private Path predictionsFile(FineTuningJob job) {
        Artifact artifact = artifacts.findByJobIdAndKind(job.getId(), ArtifactKind.PREDICTIONS)
                .orElseThrow(() -> new EvaluationException("Job " + job.getId()
                        + " has no predictions to rate: its run wrote no held-out answers of base and tuned model"));
        if (!store.exists(artifact.getStoragePath())) {
            throw new EvaluationException("The predictions of job " + job.getId() + " are missing from the artifact "
                    + "store (" + artifact.getStoragePath() + ")");
        }
        Path path = store.localCopy(artifact.getStoragePath());
        Path file = Files.isDirectory(path) ? path.resolve(ComparisonFile.FILE_NAME) : path;
        if (!Files.isRegularFile(file)) {
            throw new EvaluationException("The predictions of job " + job.getId() + " have no "
                    + ComparisonFile.FILE_NAME + " (looked in " + path + ")");
        }
        return file;
    }

    /** The session's name: the one given if no session of the team has it, else the default, numbered if taken. */
    private String freeName(long teamId, String name, FineTuningJob job) {
        String chosen = sessionName(name, job);
        if (!sessions.existsByTeamIdAndNameIgnoreCase(teamId, chosen)) {
            return chosen;
        }
        if (name != null && !name.isBlank()) {
            throw nameTaken(chosen);
        }
        for (int n = 2; ; n++) {
            String numbered = chosen + " (" + n + ")";
            if (!sessions.existsByTeamIdAndNameIgnoreCase(teamId, numbered)) {
                return sessionName(numbered, job);
            }
        }
    }

    private static EvaluationException nameTaken(String name) {
        return new EvaluationException("An evaluation session named '" + (name == null ? "" : name.strip())
                + "' already exists in your team: choose another name");
    }

    private static String sessionName(String name, FineTuningJob job) {
        String chosen = name == null || name.isBlank() ? "Blind A/B of " + job.getName() : name.strip();
        if (chosen.length() > MAX_NAME_LENGTH) {
            throw new EvaluationException("Session name is longer than " + MAX_NAME_LENGTH + " characters");
        }
        return chosen;
    }

    private RatingSession visibleSession(Actor actor, long sessionId) {
        return sessions.findById(sessionId).filter(s -> actor.canSee(s.getTeamId()))
                .orElseThrow(() -> new RatingSessionNotFoundException("session", sessionId));
    }

    private Map<Long, RatingItem> itemsById(long sessionId) {
        return items.findBySessionIdOrderByPositionAsc(sessionId).stream()
                .collect(Collectors.toMap(RatingItem::getId, Function.identity()));
    }

    private ItemToRate toRate(Actor actor, RatingItem item, int total) {
        Optional<RatingInput> previous = ratings.findByItemIdAndRaterId(item.getId(), actor.userId())
                .map(Rating::asInput);
        return new ItemToRate(item.getId(), item.getSessionId(), item.getPosition(), total, item.getPrompt(),
                item.getLabel(), item.getAnswerA(), item.getAnswerB(), previous);
    }

    private SessionSummary summary(Actor actor, RatingSession session, String jobName) {
        Progress progress = new Progress((int) ratings.countRatedBy(session.getId(), actor.userId()),
                (int) items.countBySessionId(session.getId()));
        return new SessionSummary(session.getId(), session.getName(), session.getJobId(), jobName,
                session.getStatus(), progress, (int) ratings.countAllOfSession(session.getId()), session.getCreatedAt());
    }
}
