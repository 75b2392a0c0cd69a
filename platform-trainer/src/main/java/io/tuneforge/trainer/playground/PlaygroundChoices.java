package io.tuneforge.trainer.playground;

import io.tuneforge.core.job.TunedModel;
import io.tuneforge.core.model.BaseModelSummary;
import java.util.List;

/**
 * What a user may chat with.
 *
 * @param baseModels  registered base models visible to the user (shared ones and their team's)
 * @param tunedModels their team's succeeded jobs with a stored adapter or merged model
 */
public record PlaygroundChoices(List<BaseModelSummary> baseModels, List<TunedModel> tunedModels) {
}
