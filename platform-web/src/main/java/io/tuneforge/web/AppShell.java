package io.tuneforge.web;

import com.vaadin.flow.component.page.AppShellConfigurator;
import com.vaadin.flow.component.page.Push;
import com.vaadin.flow.server.PWA;
import com.vaadin.flow.theme.lumo.Lumo;
import com.vaadin.flow.component.dependency.StyleSheet;

/** Application shell: server push (live training charts) and the Lumo theme. */
@Push
@StyleSheet(Lumo.STYLESHEET)
@PWA(name = "TuneForge", shortName = "TuneForge")
public class AppShell implements AppShellConfigurator {
}
