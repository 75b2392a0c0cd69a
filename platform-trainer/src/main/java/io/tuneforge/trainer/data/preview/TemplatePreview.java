package io.tuneforge.trainer.data.preview;

import io.tuneforge.trainer.data.encoding.EncodedExample;
import java.util.Optional;

/**
 * What a job's chat template makes of its data, for the New job page's pre-flight.
 *
 * @param template the resolved template's name
 * @param reason   why that template was chosen
 * @param row      the first training row rendered with it (trained spans marked), empty when the data has no rows
 */
public record TemplatePreview(String template, String reason, Optional<EncodedExample> row) {
}
