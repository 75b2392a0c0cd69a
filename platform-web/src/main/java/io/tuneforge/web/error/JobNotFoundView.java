package io.tuneforge.web.error;

import com.vaadin.flow.router.ParentLayout;
import com.vaadin.flow.server.auth.AnonymousAllowed;
import io.tuneforge.core.job.JobNotFoundException;
import io.tuneforge.web.layout.MainLayout;

/** The "not found" page for a job that does not exist or belongs to another team. */
@ParentLayout(MainLayout.class)
@AnonymousAllowed
public class JobNotFoundView extends NotFoundView<JobNotFoundException> {
}
