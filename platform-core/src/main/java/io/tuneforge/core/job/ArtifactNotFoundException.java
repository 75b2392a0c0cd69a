package io.tuneforge.core.job;

/** A visible job has no result of that name (it has not finished, or produced no such artifact). */
public class ArtifactNotFoundException extends RuntimeException {

    public ArtifactNotFoundException(long jobId, String name) {
        super("Fine-tuning job " + jobId + " has no artifact named '" + name
                + "': list them with GET /api/v1/fine_tuning/jobs/" + jobId + "/artifacts");
    }
}
