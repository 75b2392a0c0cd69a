package io.tuneforge.trainer.data.validation;

import io.tuneforge.shared.dataset.DatasetFormat;
import io.tuneforge.trainer.data.ProblemKind;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of validating one dataset file.
 *
 * @param file              the dataset file
 * @param requestedFormat   the format asked for (empty for detection)
 * @param format            the format the file was read as (empty when it could not be determined)
 * @param suggestedFormat   a format that fits the rows better than the requested one, when there is one
 * @param records           records seen (valid or not)
 * @param validRecords      records that passed
 * @param invalidRecords    records with at least one error (plus unreadable ones)
 * @param problems          the first problems in full (errors and warnings in file order)
 * @param counts            number of problems per kind, all of them
 * @param dropped           every row dropped (only when dropping was asked for and the file was accepted)
 * @param fileError         true when the file as a whole is unusable (unreadable, empty, unparseable array,
 *                          unknown format): no rows can be kept even when dropping
 * @param dropInvalidRows   whether dropping invalid rows was asked for
 * @param lengthUnit        unit of the cutoff check ({@code characters} or {@code tokens}); empty without cutoff
 * @param cutoff            the cutoff checked, when one was given
 */
public record ValidationReport(Path file, Optional<DatasetFormat> requestedFormat, Optional<DatasetFormat> format,
        Optional<DatasetFormat> suggestedFormat, long records, long validRecords, long invalidRecords,
        List<Problem> problems, Map<ProblemKind, Long> counts, List<DroppedRow> dropped, boolean fileError,
        boolean dropInvalidRows, Optional<String> lengthUnit, Optional<Integer> cutoff) {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    public ValidationReport {
        problems = List.copyOf(problems);
        counts = Map.copyOf(counts);
        dropped = List.copyOf(dropped);
    }

    /** True when the file has no errors at all (warnings allowed). */
    public boolean valid() {
        return !fileError && invalidRecords == 0 && errorCount() == 0;
    }

    /** True when the data may be used: valid, or invalid rows dropped by request with at least one row left. */
    public boolean accepted() {
        return valid() || (dropInvalidRows && !fileError && validRecords > 0);
    }

    public long errorCount() {
        return counts.entrySet().stream().filter(e -> e.getKey().isError()).mapToLong(Map.Entry::getValue).sum();
    }

    public long warningCount() {
        return counts.entrySet().stream().filter(e -> !e.getKey().isError()).mapToLong(Map.Entry::getValue).sum();
    }

    public long count(ProblemKind kind) {
        return counts.getOrDefault(kind, 0L);
    }

    /** A report for people: verdict, counts, the first problems, dropped rows. */
    public String toText() {
        StringBuilder s = new StringBuilder();
        s.append(file).append(": ");
        s.append(accepted() ? (valid() ? "VALID" : "ACCEPTED with invalid rows dropped") : "INVALID");
        s.append(" (format ").append(format.map(DatasetFormat::cliName).orElse("unknown"));
        if (requestedFormat.isEmpty() && format.isPresent()) {
            s.append(", detected");
        }
        s.append(")\n");
        s.append("  records: ").append(records).append(", valid: ").append(validRecords)
                .append(", invalid: ").append(invalidRecords).append('\n');
        cutoff.ifPresent(c -> s.append("  cutoff: ").append(c).append(' ').append(lengthUnit.orElse(""))
                .append(", longer rows: ").append(count(ProblemKind.TOO_LONG)).append('\n'));
        suggestedFormat.ifPresent(f -> s.append("  suggestion: the rows look like ").append(f.cliName())
                .append("; try --format ").append(f.cliName()).append('\n'));
        if (!counts.isEmpty()) {
            s.append("  problems by kind:");
            counts.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> s.append(' ').append(e.getKey()).append('=').append(e.getValue()));
            s.append('\n');
        }
        long total = errorCount() + warningCount();
        if (!problems.isEmpty()) {
            s.append("  first ").append(problems.size()).append(" of ").append(total).append(" problems:\n");
            problems.forEach(p -> s.append("    ").append(p.describe()).append('\n'));
        }
        if (!dropped.isEmpty()) {
            s.append("  dropped rows (").append(dropped.size()).append("):\n");
            dropped.forEach(d -> s.append("    record ").append(d.recordIndex()).append(" (line ").append(d.line())
                    .append("): ").append(String.join("; ", d.reasons())).append('\n'));
        }
        if (!accepted() && !dropInvalidRows && !fileError && validRecords > 0) {
            s.append("  the file is rejected whole; fix the rows above or drop invalid rows (--drop-invalid)\n");
        }
        return s.toString();
    }

    /** The report as JSON (for {@code --json} and the web UI). */
    public ObjectNode toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("file", file.toString());
        root.put("valid", valid());
        root.put("accepted", accepted());
        root.put("requested_format", requestedFormat.map(DatasetFormat::cliName).orElse(DatasetFormat.AUTO));
        root.put("format", format.map(DatasetFormat::cliName).orElse(null));
        root.put("suggested_format", suggestedFormat.map(DatasetFormat::cliName).orElse(null));
        root.put("records", records);
        root.put("valid_records", validRecords);
        root.put("invalid_records", invalidRecords);
        root.put("errors", errorCount());
        root.put("warnings", warningCount());
        root.put("file_error", fileError);
        cutoff.ifPresent(c -> root.put("cutoff", c));
        lengthUnit.ifPresent(u -> root.put("length_unit", u));
        ObjectNode countsNode = root.putObject("counts");
        counts.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> countsNode.put(e.getKey().name(), e.getValue()));
        ArrayNode list = root.putArray("problems");
        for (Problem p : problems) {
            ObjectNode n = list.addObject();
            n.put("kind", p.kind().name());
            n.put("severity", p.isError() ? "error" : "warning");
            n.put("file", p.file().toString());
            n.put("line", p.line());
            n.put("record", p.recordIndex());
            n.put("field", p.field());
            n.put("reason", p.reason());
        }
        ArrayNode droppedNode = root.putArray("dropped");
        for (DroppedRow d : dropped) {
            ObjectNode n = droppedNode.addObject();
            n.put("record", d.recordIndex());
            n.put("line", d.line());
            ArrayNode reasons = n.putArray("reasons");
            d.reasons().forEach(reasons::add);
        }
        return root;
    }
}
