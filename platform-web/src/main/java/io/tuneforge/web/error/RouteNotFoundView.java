package io.tuneforge.web.error;

import com.vaadin.flow.router.ParentLayout;
import com.vaadin.flow.server.auth.AnonymousAllowed;
import com.vaadin.flow.router.NotFoundException;
import io.tuneforge.web.layout.MainLayout;

/** The "not found" page for an address no view answers. */
@ParentLayout(MainLayout.class)
@AnonymousAllowed
public class RouteNotFoundView extends NotFoundView<NotFoundException> {
}
