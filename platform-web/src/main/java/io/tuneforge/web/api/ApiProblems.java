package io.tuneforge.web.api;

import io.tuneforge.core.dataset.DatasetVersionNotFoundException;
import io.tuneforge.core.evaluation.RatingSessionNotFoundException;
import io.tuneforge.core.job.ArtifactNotFoundException;
import io.tuneforge.core.job.JobLaunchException;
import io.tuneforge.core.job.JobNotFoundException;
import io.tuneforge.core.job.JobRefusedException;
import io.tuneforge.core.job.JobStateException;
import io.tuneforge.core.model.HubImportNotFoundException;
import io.tuneforge.core.model.ModelException;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.core.user.AccountException;
import io.tuneforge.core.user.AccountNotFoundException;
import io.tuneforge.core.webhook.WebhookNotFoundException;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.evaluation.EvaluationException;
import io.tuneforge.shared.recipe.RecipeException;
import io.tuneforge.trainer.playground.PlaygroundException;
import java.net.URI;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.tomcat.util.http.fileupload.InvalidFileNameException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import io.tuneforge.core.dataset.DatasetRejectedException;
import io.tuneforge.core.dataset.DuplicateDatasetVersionException;
import io.tuneforge.core.dataset.ValidationSummary;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;

/**
 * Every API error as an RFC 7807 problem detail ({@code application/problem+json}): Spring MVC's own errors via
 * {@link ResponseEntityExceptionHandler}, ours mapped to 404 (absent or another team's), 409 (wrong state),
 * 422 (refused input), 403 (not allowed), and anything else to a 500 that hides internals. A body that cannot be read
 * is a 400 naming the line and column of a syntax error or the field of a wrong type.
 */
@RestControllerAdvice(basePackageClasses = ApiProblems.class)
class ApiProblems extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiProblems.class);
    /** PostgreSQL's SQLSTATE for text it cannot store: a NUL character. */
    private static final String NUL_IN_TEXT = "22021";

    @ExceptionHandler({JobNotFoundException.class, HubImportNotFoundException.class,
            RatingSessionNotFoundException.class, DatasetVersionNotFoundException.class,
            WebhookNotFoundException.class, ArtifactNotFoundException.class, AccountNotFoundException.class})
    ProblemDetail notFound(RuntimeException e) {
        return problem(HttpStatus.NOT_FOUND, "not-found", e.getMessage());
    }

    @ExceptionHandler({JobStateException.class, JobLaunchException.class})
    ProblemDetail conflict(RuntimeException e) {
        return problem(HttpStatus.CONFLICT, "invalid-state", e.getMessage());
    }

    @ExceptionHandler({JobRefusedException.class, DatasetException.class, ModelException.class,
            EvaluationException.class, PlaygroundException.class, IllegalArgumentException.class})
    ProblemDetail refused(RuntimeException e) {
        return problem(HttpStatus.UNPROCESSABLE_CONTENT, "refused", e.getMessage());
    }

    /** Problems given in full in an {@code invalid-dataset} problem; the counts cover every one. */
    static final int LISTED_DATASET_PROBLEMS = 20;

    /**
     * An upload refused whole because rows are invalid: 422 with the file's report, the first problems in full
     * ({@code problems}: file, row, field, reason; syntax errors first) and every problem counted by kind.
     */
    @ExceptionHandler(DatasetRejectedException.class)
    ProblemDetail rejectedDataset(DatasetRejectedException e) {
        ProblemDetail problem = problem(HttpStatus.UNPROCESSABLE_CONTENT, "invalid-dataset", e.getMessage());
        problem.setTitle("Invalid dataset");
        ValidationSummary report = e.report();
        problem.setProperty("file", e.fileName());
        problem.setProperty("rows", report.rows());
        problem.setProperty("problem_count", report.problemCount());
        problem.setProperty("counts_by_kind", report.countsByKind());
        problem.setProperty("problems", report.problems().stream().limit(LISTED_DATASET_PROBLEMS).map(p -> {
            Map<String, Object> listed = new LinkedHashMap<>();
            listed.put("file", e.fileName());
            listed.put("row", p.row());
            listed.put("field", p.field());
            listed.put("reason", p.reason());
            return listed;
        }).toList());
        problem.setProperty("hint", "fix the file, or upload it again with drop_invalid=true to keep only the valid rows");
        return problem;
    }

    /** The same file as an existing version of the dataset: 409 naming that version. */
    @ExceptionHandler(DuplicateDatasetVersionException.class)
    ProblemDetail duplicateDataset(DuplicateDatasetVersionException e) {
        ProblemDetail problem = problem(HttpStatus.CONFLICT, "duplicate-file", e.getMessage());
        problem.setProperty("existing_file_id", e.existingVersionId());
        problem.setProperty("existing_version", e.existingVersion());
        return problem;
    }

    /** A refused field of a request (or of an account change): 422 naming the field in {@code field}. */
    @ExceptionHandler(InvalidFieldException.class)
    ProblemDetail invalidField(InvalidFieldException e) {
        ProblemDetail problem = problem(HttpStatus.UNPROCESSABLE_CONTENT, "invalid-field", e.getMessage());
        problem.setProperty("field", e.field());
        return problem;
    }

    /** An account change refused (name taken, weak password, quota out of range): 422, naming the field if any. */
    @ExceptionHandler(AccountException.class)
    ProblemDetail refusedAccount(AccountException e) {
        ProblemDetail problem = problem(HttpStatus.UNPROCESSABLE_CONTENT, "invalid-field", e.getMessage());
        e.field().ifPresent(field -> problem.setProperty("field", field));
        return problem;
    }

    /** A recipe value that cannot be used: 422 naming the key, the value as given and what is allowed. */
    @ExceptionHandler(RecipeException.class)
    ProblemDetail invalidRecipe(RecipeException e) {
        ProblemDetail problem = problem(HttpStatus.UNPROCESSABLE_CONTENT, "invalid-hyperparameter", e.getMessage());
        problem.setTitle("Invalid hyperparameter");
        problem.setProperty("key", e.key());
        problem.setProperty("value", e.value().map(String::valueOf).orElse(null));
        problem.setProperty("allowed", e.allowed());
        return problem;
    }

    @ExceptionHandler(AccessRefusedException.class)
    ProblemDetail forbidden(AccessRefusedException e) {
        return problem(HttpStatus.FORBIDDEN, "forbidden", e.getMessage());
    }

    /** An upload whose multipart form cannot be parsed, such as a file name with a NUL character: 400 naming it. */
    @ExceptionHandler(MultipartException.class)
    ProblemDetail unreadableUpload(MultipartException e) {
        boolean badName = causes(e).stream().anyMatch(InvalidFileNameException.class::isInstance);
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "malformed-upload", badName
                ? "The file name contains a NUL or other invalid character: rename the file and upload it again"
                : "The upload is not a readable multipart/form-data request with a 'file' part");
        problem.setProperty("field", "file");
        return problem;
    }

    /** A JSON body that cannot be read: 400 with the line and column of a syntax error, or the field of a wrong type. */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return handleExceptionInternal(e, unreadableBody(e), headers, status, request);
    }

    private static ProblemDetail unreadableBody(HttpMessageNotReadableException e) {
        Optional<JacksonException> jackson = causes(e).stream().filter(JacksonException.class::isInstance)
                .map(JacksonException.class::cast).findFirst();
        if (jackson.isEmpty()) {
            return problem(HttpStatus.BAD_REQUEST, "malformed-body",
                    "The request body is missing or unreadable: send a JSON object");
        }
        JacksonException cause = jackson.get();
        String reason = abbreviate(cause.getOriginalMessage());
        String field = fieldPath(cause);
        ProblemDetail problem;
        if (cause instanceof StreamReadException || field.isEmpty()) {
            TokenStreamLocation at = Optional.ofNullable(cause.getLocation()).orElse(TokenStreamLocation.NA);
            problem = problem(HttpStatus.BAD_REQUEST, "malformed-json", "Malformed JSON at line " + at.getLineNr()
                    + ", column " + at.getColumnNr() + ": " + reason);
            problem.setProperty("line", at.getLineNr());
            problem.setProperty("column", at.getColumnNr());
        } else {
            problem = problem(HttpStatus.BAD_REQUEST, "invalid-field", "Field '" + field + "' cannot be read: "
                    + reason);
            problem.setProperty("field", field);
        }
        return problem;
    }

    /** The JSON path of a databind error as {@code messages[0].content} (empty at the top level). */
    private static String fieldPath(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : e.getPath()) {
            if (reference.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> causes = new ArrayList<>();
        for (Throwable t = e; t != null && !causes.contains(t); t = t.getCause()) {
            causes.add(t);
        }
        return causes;
    }

    private static String abbreviate(String text) {
        String oneLine = text == null ? "" : text.replace('\n', ' ');
        return oneLine.length() > 300 ? oneLine.substring(0, 300) + "..." : oneLine;
    }

    @ExceptionHandler(RuntimeException.class)
    ProblemDetail unexpected(RuntimeException e) {
        if (causes(e).stream().anyMatch(c -> c instanceof SQLException sql && NUL_IN_TEXT.equals(sql.getSQLState()))) {
            // text that reached the database by a way other than a JSON body (which refuses it while reading)
            return problem(HttpStatus.BAD_REQUEST, "invalid-text", "Text may not contain NUL (\\u0000) characters");
        }
        log.error("API request failed", e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal",
                "The server failed unexpectedly; the server log has the details");
    }

    private static ProblemDetail problem(HttpStatus status, String type, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("https://tuneforge.dev/problems/" + type));
        return problem;
    }
}
