package io.tuneforge.web.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way: web → trainer → core → shared. Core knows no Vaadin or DJL; the trainer knows no web;
 * shared knows none of them, nor Spring or JPA.
 */
class ModuleBoundariesTest {

    static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tuneforge");
    }

    @Test
    void coreDependsOnNeitherTrainerNorWeb() {
        noClasses().that().resideInAPackage("io.tuneforge.core..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tuneforge.trainer..", "io.tuneforge.web..")
                .check(classes);
    }

    @Test
    void coreUsesNoVaadinAndNoDjl() {
        noClasses().that().resideInAPackage("io.tuneforge.core..")
                .should().dependOnClassesThat().resideInAnyPackage("com.vaadin..", "ai.djl..")
                .check(classes);
    }

    @Test
    void trainerDependsNotOnWebNorVaadin() {
        noClasses().that().resideInAPackage("io.tuneforge.trainer..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tuneforge.web..", "com.vaadin..")
                .check(classes);
    }

    @Test
    void sharedIsPlainJavaThatCoreAndTheEngineCanBothUse() {
        noClasses().that().resideInAPackage("io.tuneforge.shared..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tuneforge.core..", "io.tuneforge.trainer..",
                        "io.tuneforge.web..", "org.springframework..", "jakarta.persistence..", "ai.djl..")
                .check(classes);
    }

    @Test
    void theProjectHasClassesInEveryModule() {
        org.assertj.core.api.Assertions.assertThat(classes.stream().map(c -> c.getPackageName().split("\\.")[2])
                .distinct()).contains("shared", "core", "trainer", "web");
    }
}
