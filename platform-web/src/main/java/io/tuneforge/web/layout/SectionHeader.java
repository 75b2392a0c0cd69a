package io.tuneforge.web.layout;

import com.vaadin.flow.component.Composite;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Paragraph;

/** The title and one-line purpose at the top of a section. */
public class SectionHeader extends Composite<Div> {

    public SectionHeader(String title, String purpose) {
        getContent().add(new H2(title), new Paragraph(purpose));
    }
}
