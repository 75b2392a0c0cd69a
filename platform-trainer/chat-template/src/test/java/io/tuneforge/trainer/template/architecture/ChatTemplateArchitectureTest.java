package io.tuneforge.trainer.template.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The chat templates (module trainer-chat-template) are a general-purpose library: nothing of ours, no DJL, no Spring. */
class ChatTemplateArchitectureTest {

    static JavaClasses templates;

    @BeforeAll
    static void importTheTemplates() {
        templates = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tuneforge.trainer.template");
    }

    @Test
    void templatesDependOnNothingOfOurs() {
        noClasses().should().dependOnClassesThat(resideInAPackage("io.tuneforge..")
                        .and(not(resideInAPackage("io.tuneforge.trainer.template.."))))
                .check(templates);
    }

    @Test
    void templatesUseNoDjlNoSpringAndNoVaadin() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("ai.djl..", "org.springframework..", "com.vaadin..", "jakarta.persistence..")
                .check(templates);
    }

    @Test
    void templatePackagesFormNoCycle() {
        slices().matching("io.tuneforge.trainer.(*)..").should().beFreeOfCycles().check(templates);
    }
}
