package io.tuneforge.web.api;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Problem details for API requests refused before a controller is chosen: a body type the endpoint does not take
 * (415, e.g. JSON sent to the multipart {@code POST /api/v1/files}) or a method it does not have (405).
 * {@link ApiProblems} is scoped to the API's controllers, and with no controller chosen yet Spring consults only advice
 * without a scope, so this one answers them, for {@code /api/} addresses only; any other address gets Spring's own
 * answer (the exception is rethrown to the next resolver).
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
class ApiMappingProblems {

    @ExceptionHandler({HttpMediaTypeNotSupportedException.class, HttpRequestMethodNotSupportedException.class})
    ResponseEntity<ProblemDetail> refusedBeforeAController(HttpServletRequest request, Exception e) throws Exception {
        if (!request.getRequestURI().startsWith(request.getContextPath() + "/api/")) {
            throw e;
        }
        ErrorResponse refusal = (ErrorResponse) e;
        return ResponseEntity.status(refusal.getStatusCode()).headers(refusal.getHeaders())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(refusal.getBody());
    }
}
