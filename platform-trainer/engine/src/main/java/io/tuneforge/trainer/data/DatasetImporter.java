package io.tuneforge.trainer.data;

import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.trainer.data.validation.DatasetValidator;
import io.tuneforge.trainer.data.validation.ValidationOptions;
import io.tuneforge.trainer.data.validation.ValidationReport;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Copies a dataset into storage as JSON Lines, atomically: rows stream into a temporary file beside the target, which
 * is renamed onto the target only when validation accepts the data; otherwise it is deleted. Nothing half-imported
 * is ever visible under the target name.
 */
public final class DatasetImporter {

    /**
     * The result of an import.
     *
     * @param report   the validation report
     * @param imported the written file, when the data was accepted
     */
    public record ImportResult(ValidationReport report, Optional<Path> imported) {
    }

    private DatasetImporter() {
    }

    /**
     * Validates {@code spec} and writes its accepted rows (as read: CSV rows and text lines become JSON objects) to
     * {@code target}, one JSON object per line.
     */
    public static ImportResult importFile(DatasetSpec spec, ValidationOptions options, Path target) {
        Path dir = target.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
            try {
                ValidationReport report;
                try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
                    report = DatasetValidator.validate(spec, options, row -> write(out, row.raw().toString()));
                }
                if (!report.accepted()) {
                    Files.deleteIfExists(temp);
                    return new ImportResult(report, Optional.empty());
                }
                move(temp, target);
                return new ImportResult(report, Optional.of(target));
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new DatasetException("Cannot import " + spec.file() + " to " + target + ": " + e.getMessage(), e);
        }
    }

    private static void write(BufferedWriter out, String line) {
        try {
            out.write(line);
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
