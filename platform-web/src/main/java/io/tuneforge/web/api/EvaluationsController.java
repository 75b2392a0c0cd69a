package io.tuneforge.web.api;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.tuneforge.core.evaluation.EvaluationService;
import io.tuneforge.core.user.Actor;
import io.tuneforge.web.api.ApiDtos.CreateEvaluationRequest;
import io.tuneforge.web.api.ApiDtos.Evaluation;
import io.tuneforge.web.api.ApiDtos.EvaluationItem;
import io.tuneforge.web.api.ApiDtos.EvaluationResultsDto;
import io.tuneforge.web.api.ApiDtos.ListResponse;
import io.tuneforge.web.api.ApiDtos.PreferenceDataset;
import io.tuneforge.web.api.ApiDtos.RateRequest;
import io.tuneforge.web.api.ApiDtos.RatedCount;
import java.nio.charset.StandardCharsets;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/evaluations}: blind A/B rating sessions over a succeeded job's held-out answers, as the Evaluate
 * page runs them: create one, rate its items (blinded), close it, read the unblinded results or the ratings as CSV.
 */
@RestController
@RequestMapping("/api/v1")
@Tag(name = "Evaluations")
@SecurityRequirement(name = "bearer")
class EvaluationsController {

    private final EvaluationService evaluations;
    private final ApiCaller caller;

    EvaluationsController(EvaluationService evaluations, ApiCaller caller) {
        this.evaluations = evaluations;
        this.caller = caller;
    }

    @GetMapping("/evaluations")
    @Operation(summary = "The team's rating sessions, newest first")
    ListResponse<Evaluation> list() {
        return ListResponse.of(evaluations.sessions(caller.get()).stream().map(Evaluation::of).toList(), false);
    }

    @PostMapping("/evaluations")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a session from a succeeded job's predictions (answers placed on random sides)")
    Evaluation create(@RequestBody CreateEvaluationRequest body) {
        if (body.fineTuningJob() == null) {
            throw new IllegalArgumentException("fine_tuning_job is missing: give the id of a succeeded job");
        }
        return Evaluation.of(evaluations.start(caller.get(), body.fineTuningJob(), body.name()));
    }

    @GetMapping("/evaluations/{id}")
    @Operation(summary = "One session with the caller's progress")
    Evaluation get(@PathVariable long id) {
        return Evaluation.of(evaluations.session(caller.get(), id));
    }

    @GetMapping("/evaluations/{id}/next_item")
    @Operation(summary = "The first item the caller has not rated (204 when they have rated every item)")
    ResponseEntity<EvaluationItem> nextItem(@PathVariable long id) {
        return evaluations.nextItem(caller.get(), id).map(EvaluationItem::of).map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.noContent().build());
    }

    @PostMapping("/evaluation_items/{itemId}/rating")
    @Operation(summary = "Rate an item (replaces the caller's earlier rating of it); returns the caller's progress")
    RatedCount rate(@PathVariable long itemId, @RequestBody RateRequest body) {
        return RatedCount.of(evaluations.rate(caller.get(), itemId, body.toInput()));
    }

    @PostMapping("/evaluations/{id}/close")
    @Operation(summary = "Close a session: its ratings become final")
    Evaluation close(@PathVariable long id) {
        return Evaluation.of(evaluations.close(caller.get(), id));
    }

    @GetMapping("/evaluations/{id}/results")
    @Operation(summary = "Unblinded results: per model the mean of each criterion, overall mean, wins and win rate")
    EvaluationResultsDto results(@PathVariable long id) {
        return EvaluationResultsDto.of(evaluations.results(caller.get(), id));
    }

    @PostMapping("/evaluations/{id}/preference-dataset")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Store the session's ratings as a preference dataset version (chosen = the answer preferred, "
            + "rejected = the other, ties left out, the prompt as rated), linked to the session; train on it with "
            + "stage dpo and adapter_from_job")
    PreferenceDataset preferenceDataset(@PathVariable long id) {
        return PreferenceDataset.of(evaluations.exportPreferences(caller.get(), id));
    }

    @GetMapping(value = "/evaluations/{id}/ratings.csv", produces = "text/csv")
    @Operation(summary = "Every rating, unblinded, as CSV (one row per item and rater)")
    ResponseEntity<String> ratingsCsv(@PathVariable long id) {
        Actor actor = caller.get();
        StringBuilder csv = new StringBuilder();
        evaluations.exportCsv(actor, id, csv);
        ContentDisposition attachment = ContentDisposition.attachment()
                .filename(evaluations.exportFileName(actor, id), StandardCharsets.UTF_8).build();
        return ResponseEntity.ok().header(HttpHeaders.CONTENT_DISPOSITION, attachment.toString())
                .contentType(new MediaType("text", "csv", StandardCharsets.UTF_8)).body(csv.toString());
    }
}
