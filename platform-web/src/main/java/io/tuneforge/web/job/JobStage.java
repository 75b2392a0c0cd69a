package io.tuneforge.web.job;

import io.tuneforge.core.job.JobOverview;
import tools.jackson.databind.json.JsonMapper;

/** A job's training stage ({@code stage} of its stored recipe), which decides the charts its page shows. */
final class JobStage {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private JobStage() {
    }

    /** The stored {@code stage}; sft for configurations stored before stages existed. */
    static String of(JobOverview job) {
        return JSON.readTree(job.configJson()).path("stage").asString("sft");
    }
}
