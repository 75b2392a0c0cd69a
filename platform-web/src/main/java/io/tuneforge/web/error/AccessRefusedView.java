package io.tuneforge.web.error;

import com.vaadin.flow.router.ParentLayout;
import com.vaadin.flow.server.auth.AnonymousAllowed;
import io.tuneforge.core.user.AccessRefusedException;
import io.tuneforge.web.layout.MainLayout;

/** The "not found" page for something the user may not see or do (as if it did not exist). */
@ParentLayout(MainLayout.class)
@AnonymousAllowed
public class AccessRefusedView extends NotFoundView<AccessRefusedException> {
}
