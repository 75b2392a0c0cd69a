package io.tuneforge.core.model;

import java.time.Instant;
import java.util.Optional;

/**
 * A Hub import as its team sees it.
 *
 * @param id        the import's id
 * @param request   what is being imported
 * @param status    where it stands
 * @param progress  how far the download has come
 * @param model     the registered model, once {@link HubImportStatus#SUCCEEDED}
 * @param error     why it failed, once {@link HubImportStatus#FAILED} or {@link HubImportStatus#CANCELLED}
 * @param createdAt when it was started
 */
public record HubImportView(String id, HubImportRequest request, HubImportStatus status, HubProgress progress,
        Optional<BaseModelSummary> model, Optional<String> error, Instant createdAt) {
}
