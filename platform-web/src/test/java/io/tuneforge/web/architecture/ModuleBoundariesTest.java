package io.tuneforge.web.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way (docs/design-decisions/DD013-trainer-modules.md):
 * <pre>
 *   platform-web ──► platform-trainer ──► trainer-engine ──► trainer-chat-template
 *        │                  │                   │
 *        └────────► platform-core ──► platform-core-shared ◄┘
 * </pre>
 * Checked here over every module's production classes (the web module sees them all); each module also checks its
 * own rules and package cycles in its own tests. Shared knows none of them, nor Spring or JPA.
 */
class ModuleBoundariesTest {

    /** The packages of trainer-chat-template. */
    static final String TEMPLATE = "io.tuneforge.trainer.template..";

    /** The packages of trainer-engine. */
    static final String[] ENGINE = {"io.tuneforge.trainer.model..", "io.tuneforge.trainer.training..",
            "io.tuneforge.trainer.generate..", "io.tuneforge.trainer.tokenizer..", "io.tuneforge.trainer.data",
            "io.tuneforge.trainer.data.encoding..", "io.tuneforge.trainer.data.format..",
            "io.tuneforge.trainer.data.info..", "io.tuneforge.trainer.data.preparation..",
            "io.tuneforge.trainer.data.validation..", "io.tuneforge.trainer.evaluation..",
            "io.tuneforge.trainer.export..", "io.tuneforge.trainer.device.."};

    static JavaClasses classes;

    @BeforeAll
    static void importProductionClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tuneforge");
    }

    @Test
    void sharedDependsOnNothingOfOursAndNoFramework() {
        noClasses().that().resideInAPackage("io.tuneforge.shared..")
                .should().dependOnClassesThat(resideInAPackage("io.tuneforge..")
                        .and(not(resideInAPackage("io.tuneforge.shared.."))))
                .orShould().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta.persistence..",
                        "ai.djl..", "com.vaadin..")
                .check(classes);
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
    void chatTemplatesDependOnNothingOfOurs() {
        noClasses().that().resideInAPackage(TEMPLATE)
                .should().dependOnClassesThat(resideInAPackage("io.tuneforge..").and(not(resideInAPackage(TEMPLATE))))
                .check(classes);
    }

    @Test
    void engineDependsOnlyOnChatTemplatesAndTheSharedVocabulary() {
        noClasses().that().resideInAnyPackage(ENGINE)
                .should().dependOnClassesThat(resideInAPackage("io.tuneforge..")
                        .and(not(resideInAnyPackage(ENGINE)))
                        .and(not(resideInAnyPackage(TEMPLATE, "io.tuneforge.shared.."))))
                .orShould().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta.persistence..")
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
    void webPackagesFormNoCycle() {
        slices().matching("io.tuneforge.web.(*)..").should().beFreeOfCycles()
                .check(classes.that(resideInAPackage("io.tuneforge.web..")));
    }

    @Test
    void theProjectHasClassesInEveryModule() {
        org.assertj.core.api.Assertions.assertThat(classes.stream().map(c -> c.getPackageName().split("\\.")[2])
                .distinct()).contains("shared", "core", "trainer", "web");
    }
}
