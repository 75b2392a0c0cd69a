package io.tuneforge.web.error;

import com.vaadin.flow.router.ParentLayout;
import com.vaadin.flow.server.auth.AnonymousAllowed;
import com.vaadin.flow.router.AccessDeniedException;
import io.tuneforge.web.layout.MainLayout;

/** The "not found" page for a view the user's role may not open (as if it did not exist). */
@ParentLayout(MainLayout.class)
@AnonymousAllowed
public class AccessDeniedView extends NotFoundView<AccessDeniedException> {
}
