package io.tuneforge.core.dataset;

import io.tuneforge.core.platform.AllowedRoots;
import io.tuneforge.core.platform.PlatformHome;
import io.tuneforge.core.team.TeamRepository;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.Actor;
import io.tuneforge.core.user.AppUserRepository;
import io.tuneforge.shared.dataset.ColumnMapping;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.dataset.DatasetFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stores uploaded datasets as numbered, immutable versions: the upload streams to a temporary file under the
 * platform home (with a size limit and a SHA-256), its format is detected (or given), it is moved atomically to
 * {@code datasets/<team>/<dataset>/v<n>/<file>} and validated row by row. Detection, validation and previews are the
 * data pipeline's, through the {@link DatasetInspector} port. Every method is scoped by the {@link Actor}.
 */
@Service
@Transactional
public class DatasetService {

    private final DatasetRepository datasets;
    private final DatasetVersionRepository versions;
    private final DatasetFileRepository files;
    private final TeamRepository teams;
    private final AppUserRepository users;
    private final PlatformHome home;
    private final DatasetInspector inspector;
    private final long maxUploadBytes;
    private final AllowedRoots importRoots;

    public DatasetService(DatasetRepository datasets, DatasetVersionRepository versions, DatasetFileRepository files,
            TeamRepository teams, AppUserRepository users, PlatformHome home, DatasetInspector inspector,
            @Value("${tuneforge.datasets.max-upload-bytes:2147483648}") long maxUploadBytes,
            @Value("${tuneforge.datasets.allowed-roots:}") String importRoots) {
        this.datasets = datasets;
        this.versions = versions;
        this.files = files;
        this.teams = teams;
        this.users = users;
        this.home = home;
        this.inspector = inspector;
        this.maxUploadBytes = maxUploadBytes;
        this.importRoots = AllowedRoots.parse("tuneforge.datasets.allowed-roots", importRoots);
    }

    /** The largest upload accepted, in bytes ({@code tuneforge.datasets.max-upload-bytes}). */
    public long maxUploadBytes() {
        return maxUploadBytes;
    }

    /**
     * Stores {@code content} as the next version of the actor's team's dataset {@code datasetName} (created if new),
     * refusing it whole (nothing stored) when any row is invalid.
     *
     * @param fileName the uploaded file's name (its extension is kept), cleaned by {@link UploadFileName} first
     * @param format   the format to read it as; empty to detect it from the first record
     */
    public VersionDetails upload(Actor actor, String datasetName, String fileName, InputStream content,
            Optional<DatasetFormat> format) {
        return upload(actor, datasetName, fileName, content, format, false);
    }

    /**
     * Stores {@code content} as the next version of the actor's team's dataset {@code datasetName} (created if new).
     * The file must be text in UTF-8 (a UTF-8 byte order mark is dropped; UTF-16 and UTF-32 files with a byte order
     * mark are converted to UTF-8), hold at least one record and not be the same file as an existing version.
     *
     * @param fileName    the uploaded file's name (its extension is kept), cleaned by {@link UploadFileName} first
     * @param format      the format to read it as; empty to detect it from the first record
     * @param dropInvalid when some rows are invalid, store only the valid rows (as JSON Lines) and say in the report
     *                    how many were dropped; otherwise such a file is refused whole
     * @throws DatasetRejectedException         when rows are invalid (and not dropped): carries the report
     * @throws DuplicateDatasetVersionException when the file is already a version of the dataset
     * @throws DatasetException                 when the file is empty, not UTF-8 or its format cannot be told
     */
    public VersionDetails upload(Actor actor, String datasetName, String fileName, InputStream content,
            Optional<DatasetFormat> format, boolean dropInvalid) {
        return upload(actor, UploadTarget.named(datasetName), fileName, content, format, ColumnMapping.none(),
                dropInvalid);
    }

    /**
     * Stores {@code content} as the next version of the dataset {@code target} names, read through a column mapping
     * (stored with the version, so previews and training read the rows the same way). Checks as
     * {@link #upload(Actor, String, String, InputStream, Optional, boolean)}.
     *
     * @param mapping which fields hold what (LLaMA-Factory's {@code columns}/{@code tags}); none for the format's own
     *                names
     * @throws UndetectedFormatException when no format can be told, with a mapping to try when the rows have a common
     *                                   prompt/answer shape
     * @throws DatasetException          when a new dataset's name is taken or the file cannot be stored
     */
    public VersionDetails upload(Actor actor, UploadTarget target, String fileName, InputStream content,
            Optional<DatasetFormat> format, ColumnMapping mapping, boolean dropInvalid) {
        String cleanName = UploadFileName.clean(fileName, "upload.jsonl");
        actor.requireWriter();
        String name = targetName(actor, target);
        Path incoming = receive(content, cleanName);
        try {
            return accept(actor, name, cleanName, incoming, format, mapping, dropInvalid);
        } finally {
            deleteQuietly(incoming);
        }
    }

    /**
     * Stores the preference pairs a blind A/B rating session exported (DD030) as the next version of the actor's
     * team's dataset {@code datasetName} (created if new): read as {@link DatasetFormat#PREFERENCE} through
     * {@code mapping}, validated and stored exactly as an upload, and linked to the session. Exporting the same pairs
     * again stores nothing and answers the version that already holds them (linked to the session too).
     *
     * @param content the pairs as JSON Lines
     * @throws DatasetRejectedException when a row is invalid (an answer left empty)
     */
    public VersionDetails storeRatingExport(Actor actor, String datasetName, String fileName, InputStream content,
            ColumnMapping mapping, long ratingSessionId) {
        VersionDetails stored;
        try {
            stored = upload(actor, UploadTarget.named(datasetName), fileName, content,
                    Optional.of(DatasetFormat.PREFERENCE), mapping, false);
        } catch (DuplicateDatasetVersionException e) {
            stored = details(visibleVersion(actor, e.existingVersionId()));
        }
        visibleVersion(actor, stored.id()).exportedFrom(ratingSessionId);
        return stored;
    }

    /** The rating session a version was exported from, if it was (its lineage, DD030). */
    @Transactional(readOnly = true)
    public Optional<Long> ratingSessionOf(Actor actor, long versionId) {
        return visibleVersion(actor, versionId).getRatingSessionId();
    }

    /** The dataset name an upload target stands for, refusing a taken new name or another team's dataset. */
    private String targetName(Actor actor, UploadTarget target) {
        return switch (target) {
            case UploadTarget.Named named -> requireName(named.name());
            case UploadTarget.NewDataset created -> {
                String name = requireName(created.name());
                if (datasets.findByTeamIdAndName(actor.teamId(), name).isPresent()) {
                    throw new DatasetException("A dataset named '" + name + "' already exists: pick it under \"New "
                            + "version of\" to add a version, or choose another name");
                }
                yield name;
            }
            case UploadTarget.Existing existing -> {
                Dataset dataset = visibleDataset(actor, existing.datasetId());
                if (!dataset.getTeam().getId().equals(actor.teamId())) {
                    throw new AccessRefusedException("Dataset " + existing.datasetId()
                            + " belongs to another team: versions are added by its own team");
                }
                yield dataset.getName();
            }
        };
    }

    /** Checks a received file (encoding, emptiness, format, rows, duplicates) and stores it or refuses it whole. */
    private VersionDetails accept(Actor actor, String name, String fileName, Path received,
            Optional<DatasetFormat> format, ColumnMapping mapping, boolean dropInvalid) {
        List<Path> temporary = new ArrayList<>();
        try {
            Path incoming = UploadEncoding.toUtf8(received, fileName, temporary);
            DatasetFormat chosen = format.or(() -> inspector.detect(incoming, mapping))
                    .orElseThrow(() -> undetectable(incoming, fileName, mapping));
            ValidationSummary report = inspector.validate(incoming, chosen, mapping);
            Path toStore = incoming;
            String storedName = fileName;
            if (!report.valid()) {
                if (!dropInvalid || report.rows() == 0) {
                    throw new DatasetRejectedException(fileName, report, suggestion(incoming, mapping));
                }
                Path kept = incoming.resolveSibling(UUID.randomUUID() + "-valid.jsonl");
                temporary.add(kept);
                ValidationSummary whole = inspector.keepValid(incoming, chosen, mapping, kept);
                ValidationSummary keptReport = inspector.validate(kept, chosen, mapping);
                if (!keptReport.valid()) {
                    throw new DatasetRejectedException(fileName, whole, suggestion(incoming, mapping));
                }
                report = new ValidationSummary(keptReport.rows(), 0, whole.problems(), whole.countsByKind(),
                        Math.max(0, whole.rows() - keptReport.rows()));
                toStore = kept;
                storedName = stripExtension(fileName) + ".valid.jsonl";
            }
            refuseDuplicate(actor, name, fileName, toStore);
            return store(actor, name, fileName, storedName, toStore, chosen, mapping, report);
        } finally {
            temporary.forEach(DatasetService::deleteQuietly);
        }
    }

    /** A mapping for the file's rows when none was given and its first record has a common prompt/answer shape. */
    private Optional<ColumnMapping> suggestion(Path file, ColumnMapping given) {
        if (!given.isEmpty()) {
            return Optional.empty();
        }
        try {
            return inspector.head(file, 1).stream().findFirst()
                    .filter(record -> record.value().isObject())
                    .flatMap(record -> ColumnMapping.suggest(record.value().propertyNames()));
        } catch (RuntimeException e) {
            return Optional.empty(); // an unreadable start has no shape to suggest from
        }
    }

    /** The reason no format could be told: a syntax error near the start, else a mapping to try if one fits. */
    private DatasetException undetectable(Path incoming, String fileName, ColumnMapping mapping) {
        String formats = "(alpaca, sharegpt, openai, preference, text, classification)";
        try {
            inspector.head(incoming, 20);
        } catch (DatasetException e) {
            return new DatasetException(e.getMessage() + "; fix the file, or pick the format " + formats
                    + " and upload again", e);
        } catch (RuntimeException e) {
            // unreadable in another way: fall through to the general message
        }
        Optional<ColumnMapping> suggested = suggestion(incoming, mapping);
        return new UndetectedFormatException(fileName + ": cannot tell the format from the first record"
                + suggested.map(m -> "; its rows look like prompt/answer pairs: upload again with the column mapping "
                        + m.toColumnsJson()).orElse("; map its columns, or pick the format " + formats
                        + ", and upload again"), suggested);
    }

    private void refuseDuplicate(Actor actor, String name, String fileName, Path file) {
        Optional<Dataset> dataset = datasets.findByTeamIdAndName(actor.teamId(), name);
        if (dataset.isEmpty()) {
            return;
        }
        String checksum;
        try {
            checksum = sha256(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the upload " + file + ": " + e.getMessage(), e);
        }
        files.findByDatasetVersionDatasetIdAndSha256(dataset.get().getId(), checksum).stream()
                .filter(f -> f.getPurpose() == DatasetFile.Purpose.SOURCE).findFirst()
                .ifPresent(existing -> {
                    throw new DuplicateDatasetVersionException(name, fileName, existing.getDatasetVersion().getId(),
                            existing.getDatasetVersion().getVersion());
                });
    }

    /** The datasets the actor may see, each with its newest version. */
    @Transactional(readOnly = true)
    public List<DatasetSummary> list(Actor actor) {
        return summaries(actor.isAdmin() ? datasets.findAll() : datasets.findByTeamIdOrderByNameAsc(actor.teamId()));
    }

    /** The datasets of the actor's own team (those an upload may add a version to), each with its newest version. */
    @Transactional(readOnly = true)
    public List<DatasetSummary> listOwnTeam(Actor actor) {
        return summaries(datasets.findByTeamIdOrderByNameAsc(actor.teamId()));
    }

    private List<DatasetSummary> summaries(List<Dataset> visible) {
        List<DatasetSummary> summaries = new ArrayList<>();
        for (Dataset dataset : visible) {
            versions.findFirstByDatasetIdOrderByVersionDesc(dataset.getId()).ifPresent(latest -> summaries.add(
                    new DatasetSummary(dataset.getId(), dataset.getName(), dataset.getTeam().getName(),
                            latest.getVersion(), latest.getId(), latest.getFormat(), latest.getStatus(),
                            latest.getRowCount(), latest.getCreatedAt())));
        }
        summaries.sort((a, b) -> a.name().compareToIgnoreCase(b.name()));
        return summaries;
    }

    /** Every version of a dataset, newest first. */
    @Transactional(readOnly = true)
    public List<VersionDetails> versions(Actor actor, long datasetId) {
        Dataset dataset = visibleDataset(actor, datasetId);
        return versions.findByDatasetIdOrderByVersionDesc(dataset.getId()).stream().map(this::details).toList();
    }

    @Transactional(readOnly = true)
    public VersionDetails version(Actor actor, long versionId) {
        return details(visibleVersion(actor, versionId));
    }

    /** The stored source file of a version (for previews and the training pipeline). */
    @Transactional(readOnly = true)
    public Path sourceFile(Actor actor, long versionId) {
        return home.root().resolve(source(visibleVersion(actor, versionId)).getStoragePath());
    }

    /** The first {@code limit} records of a version. */
    @Transactional(readOnly = true)
    public List<DatasetRecord> preview(Actor actor, long versionId, int limit) {
        return inspector.head(sourceFile(actor, versionId), limit);
    }

    /** Reads a version as another format than detected, and validates it again. */
    public VersionDetails changeFormat(Actor actor, long versionId, DatasetFormat format) {
        actor.requireWriter();
        DatasetVersion version = visibleVersion(actor, versionId);
        version.changeFormat(format);
        validate(version, home.root().resolve(source(version).getStoragePath()));
        return details(version);
    }

    /**
     * Imports every local entry of a LLaMA-Factory data folder's {@code dataset_info.json} as a dataset of the actor's
     * team (named by the entry's key). Hub entries, unsupported formattings and missing files are skipped with a reason.
     *
     * @param folder a server folder inside {@code tuneforge.datasets.allowed-roots}
     */
    public ImportResult importLlamaFactoryFolder(Actor actor, String folder) {
        actor.requireWriter();
        Path root;
        try {
            root = importRoots.resolve(folder);
        } catch (IllegalArgumentException e) {
            throw new DatasetException(e.getMessage());
        }
        Path info = root.resolve("dataset_info.json");
        if (!Files.isRegularFile(info)) {
            throw new DatasetException(root + " has no dataset_info.json: point at LLaMA-Factory's data folder");
        }
        JsonNode entries;
        try {
            entries = JsonMapper.builder().build().readTree(info.toFile());
        } catch (JacksonException e) {
            throw new DatasetException(info + " is not valid JSON: " + e.getOriginalMessage());
        }
        List<VersionDetails> imported = new ArrayList<>();
        List<ImportResult.Skipped> skipped = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : entries.properties()) {
            String name = entry.getKey();
            JsonNode spec = entry.getValue();
            Optional<String> problem = unsupported(root, spec);
            if (problem.isPresent()) {
                skipped.add(new ImportResult.Skipped(name, problem.get()));
                continue;
            }
            Path file = root.resolve(spec.path("file_name").asString()).normalize();
            Optional<DatasetFormat> format = llamaFactoryFormat(spec).or(() -> inspector.detect(file));
            if (format.isEmpty()) {
                skipped.add(new ImportResult.Skipped(name, "cannot tell the format of " + file.getFileName()));
                continue;
            }
            try (InputStream in = Files.newInputStream(file)) {
                Path incoming = receive(in, file.getFileName().toString());
                try {
                    imported.add(accept(actor, requireName(name), file.getFileName().toString(), incoming, format,
                            ktoMapping(spec), false));
                } finally {
                    deleteQuietly(incoming);
                }
            } catch (IOException e) {
                skipped.add(new ImportResult.Skipped(name, "cannot read " + file + ": " + e.getMessage()));
            } catch (DatasetException e) {
                skipped.add(new ImportResult.Skipped(name, e.getMessage()));
            }
        }
        return new ImportResult(imported, skipped);
    }

    private static Optional<String> unsupported(Path root, JsonNode spec) {
        if (!spec.hasNonNull("file_name")) {
            return Optional.of("not a local file (hub or script entry); download it first");
        }
        Path file = root.resolve(spec.path("file_name").asString()).normalize();
        if (!file.startsWith(root)) {
            return Optional.of("file_name points outside the folder");
        }
        if (!Files.isRegularFile(file)) {
            return Optional.of(file.getFileName() + " is missing or a folder");
        }
        String name = file.getFileName().toString().toLowerCase();
        if (!(name.endsWith(".json") || name.endsWith(".jsonl") || name.endsWith(".parquet"))) {
            return Optional.of("only .json, .jsonl and .parquet files are read for now");
        }
        if (spec.path("columns").has("images") || spec.path("columns").has("videos") || spec.path("columns").has("audios")) {
            return Optional.of("multimodal datasets are not supported");
        }
        return Optional.empty();
    }

    /**
     * A KTO entry's {@code columns} and {@code tags} (kto_en_demo: {@code messages}, {@code kto_tag: label}, role and
     * content tags), kept with the version so its rows read with their tags and stage kto accepts it; none for others.
     */
    private static ColumnMapping ktoMapping(JsonNode spec) {
        if (!spec.path("columns").has("kto_tag")) {
            return ColumnMapping.none();
        }
        Map<String, String> columns = new java.util.LinkedHashMap<>();
        spec.path("columns").properties().forEach(e -> columns.put(e.getKey(), e.getValue().asString()));
        Map<String, String> tags = new java.util.LinkedHashMap<>();
        spec.path("tags").properties().forEach(e -> tags.put(e.getKey(), e.getValue().asString()));
        return new ColumnMapping(columns, tags);
    }

    /** Preference data when the entry says {@code ranking}; otherwise the record keys tell (alpaca, sharegpt, text...). */
    private static Optional<DatasetFormat> llamaFactoryFormat(JsonNode spec) {
        return spec.path("ranking").asBoolean(false) ? Optional.of(DatasetFormat.PREFERENCE) : Optional.empty();
    }

    private VersionDetails store(Actor actor, String name, String fileName, String storedName, Path incoming,
            DatasetFormat format, ColumnMapping mapping, ValidationSummary report) {
        Dataset dataset = datasets.findByTeamIdAndName(actor.teamId(), name).orElseGet(() -> datasets.save(
                new Dataset(teams.getReferenceById(actor.teamId()), name, "", users.getReferenceById(actor.userId()))));
        int number = versions.findFirstByDatasetIdOrderByVersionDesc(dataset.getId()).map(v -> v.getVersion() + 1).orElse(1);
        DatasetVersion version = versions.save(new DatasetVersion(dataset, number, format, mapping,
                users.getReferenceById(actor.userId())));
        String safeName = safeFileName(storedName);
        Path relative = Path.of("datasets", Long.toString(actor.teamId()), Long.toString(dataset.getId()), "v" + number, safeName);
        Path target = home.root().resolve(relative);
        try {
            Files.createDirectories(target.getParent());
            Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE);
            files.save(new DatasetFile(version, DatasetFile.Purpose.SOURCE, fileName, relative.toString(),
                    Files.size(target), sha256(target)));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot store the upload at " + target + ": check disk space and permissions", e);
        }
        version.markValidated(report.valid(), report.rows(), report.toJson());
        return details(version);
    }

    private void validate(DatasetVersion version, Path file) {
        ValidationSummary report = inspector.validate(file, version.getFormat(), version.getColumnMapping());
        version.markValidated(report.valid(), report.rows(), report.toJson());
    }

    /**
     * Streams the upload into a temporary file under the platform home, refusing more than the limit. The temporary
     * name keeps the file's extension: it tells the data pipeline a CSV, text or Parquet file from JSON.
     */
    private Path receive(InputStream content, String fileName) {
        Path incomingFolder = home.datasets().resolve(".incoming");
        Path part = incomingFolder.resolve(UUID.randomUUID() + "-" + safeFileName(fileName));
        try {
            Files.createDirectories(incomingFolder);
            try (OutputStream out = Files.newOutputStream(part)) {
                byte[] buffer = new byte[64 * 1024];
                long total = 0;
                int read;
                while ((read = content.read(buffer)) != -1) {
                    total += read;
                    if (total > maxUploadBytes) {
                        throw new DatasetException(fileName + " is larger than the upload limit of " + maxUploadBytes
                                + " bytes: split it, or raise tuneforge.datasets.max-upload-bytes");
                    }
                    out.write(buffer, 0, read);
                }
            }
            return part;
        } catch (IOException e) {
            deleteQuietly(part);
            throw new UncheckedIOException("Cannot receive " + fileName + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(part);
            throw e;
        }
    }

    private VersionDetails details(DatasetVersion version) {
        DatasetFile source = source(version);
        String reportJson = version.getValidationSummary();
        ValidationSummary report = reportJson == null ? new ValidationSummary(0, 0, List.of()) : ValidationSummary.fromJson(reportJson);
        return new VersionDetails(version.getId(), version.getDataset().getId(), version.getDataset().getName(),
                version.getVersion(), version.getFormat(), version.getStatus(), source.getOriginalName(),
                source.getSizeBytes(), source.getSha256(), report, version.getCreatedAt(),
                version.getColumnMapping());
    }

    private DatasetFile source(DatasetVersion version) {
        return files.findByDatasetVersionId(version.getId()).stream()
                .filter(f -> f.getPurpose() == DatasetFile.Purpose.SOURCE).findFirst()
                .orElseThrow(() -> new DatasetException("Dataset version " + version.getId() + " has no stored file"));
    }

    private Dataset visibleDataset(Actor actor, long datasetId) {
        Dataset dataset = datasets.findById(datasetId)
                .orElseThrow(() -> new DatasetException("No dataset with id " + datasetId));
        if (!actor.canSee(dataset.getTeam().getId())) {
            throw new AccessRefusedException("Dataset " + datasetId + " belongs to another team");
        }
        return dataset;
    }

    private DatasetVersion visibleVersion(Actor actor, long versionId) {
        return versions.findById(versionId).filter(v -> actor.canSee(v.getDataset().getTeam().getId()))
                .orElseThrow(() -> new DatasetVersionNotFoundException(versionId));
    }

    private static String stripExtension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    static String requireName(String datasetName) {
        String name = datasetName == null ? "" : datasetName.strip();
        if (name.isEmpty() || name.length() > 200) {
            throw new DatasetException("Give the dataset a name of 1 to 200 characters");
        }
        return name;
    }

    /** The file name without folders or characters that are unsafe on disk. */
    static String safeFileName(String fileName) {
        String base = Path.of(fileName == null ? "data.json" : fileName).getFileName().toString();
        String safe = base.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isBlank() || safe.startsWith(".") ? "data" + safe : safe;
    }

    private static String sha256(Path file) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream in = Files.newInputStream(file);
                    OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
                in.transferTo(sink);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a leftover file in .incoming is harmless
        }
    }
}
