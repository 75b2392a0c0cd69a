package io.tuneforge.web.error;

import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.ErrorParameter;
import com.vaadin.flow.router.HasDynamicTitle;
import com.vaadin.flow.router.HasErrorParameter;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The one "not found" page. A page that does not exist, another team's job and a view the user's role may not open
 * all look the same (and answer 404), so the page says nothing about what exists elsewhere. Vaadin picks an error
 * view by the exception's type and a class can handle only one type, so each exception has a small subclass.
 *
 * @param <E> the navigation exception this view stands for
 */
public abstract class NotFoundView<E extends Exception> extends VerticalLayout
        implements HasErrorParameter<E>, HasDynamicTitle {

    /** The heading, the same for "not there" and "not yours". */
    public static final String TITLE = "Page not found";

    /** The explanation, the same for "not there" and "not yours". */
    public static final String TEXT = "There is nothing here, or it is not yours to see. Check the address, or go "
            + "back to the dashboard.";

    protected NotFoundView() {
        setId("not-found");
        add(new H2(TITLE), new Paragraph(TEXT), new Anchor("", "Back to the dashboard"));
    }

    @Override
    public int setErrorParameter(BeforeEnterEvent event, ErrorParameter<E> parameter) {
        return HttpServletResponse.SC_NOT_FOUND;
    }

    @Override
    public String getPageTitle() {
        return TITLE + " · TuneForge";
    }
}
