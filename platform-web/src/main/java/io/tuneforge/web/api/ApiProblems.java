package io.tuneforge.web.api;

import io.tuneforge.core.evaluation.RatingSessionNotFoundException;
import io.tuneforge.core.job.JobNotFoundException;
import io.tuneforge.core.job.JobRefusedException;
import io.tuneforge.core.job.JobStateException;
import io.tuneforge.core.model.HubImportNotFoundException;
import io.tuneforge.core.model.ModelException;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.shared.dataset.DatasetException;
import io.tuneforge.shared.evaluation.EvaluationException;
import io.tuneforge.shared.recipe.RecipeException;
import io.tuneforge.trainer.playground.PlaygroundException;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every API error as an RFC 7807 problem detail ({@code application/problem+json}): Spring MVC's own errors via
 * {@link ResponseEntityExceptionHandler}, ours mapped to 404 (absent or another team's), 409 (wrong state),
 * 422 (refused input), 403 (not allowed), and anything else to a 500 that hides internals.
 */
@RestControllerAdvice(basePackageClasses = ApiProblems.class)
class ApiProblems extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiProblems.class);

    @ExceptionHandler({JobNotFoundException.class, HubImportNotFoundException.class,
            RatingSessionNotFoundException.class})
    ProblemDetail notFound(RuntimeException e) {
        return problem(HttpStatus.NOT_FOUND, "not-found", e.getMessage());
    }

    @ExceptionHandler(JobStateException.class)
    ProblemDetail conflict(JobStateException e) {
        return problem(HttpStatus.CONFLICT, "invalid-state", e.getMessage());
    }

    @ExceptionHandler({JobRefusedException.class, DatasetException.class, ModelException.class,
            EvaluationException.class, PlaygroundException.class, IllegalArgumentException.class})
    ProblemDetail refused(RuntimeException e) {
        return problem(HttpStatus.UNPROCESSABLE_CONTENT, "refused", e.getMessage());
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

    @ExceptionHandler(RuntimeException.class)
    ProblemDetail unexpected(RuntimeException e) {
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
