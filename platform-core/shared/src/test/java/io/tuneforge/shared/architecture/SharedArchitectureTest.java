package io.tuneforge.shared.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared vocabulary (module platform-core-shared) sits below core and the engine: nothing of ours, no Spring, no
 * persistence, no DJL, no Vaadin.
 */
class SharedArchitectureTest {

    static JavaClasses shared;

    @BeforeAll
    static void importShared() {
        shared = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tuneforge.shared");
    }

    @Test
    void sharedDependsOnNothingOfOurs() {
        noClasses().should().dependOnClassesThat(resideInAPackage("io.tuneforge..")
                        .and(not(resideInAPackage("io.tuneforge.shared.."))))
                .allowEmptyShould(true)
                .check(shared);
    }

    @Test
    void sharedUsesNoSpringNoPersistenceNoDjlAndNoVaadin() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework..",
                        "jakarta.persistence..", "ai.djl..", "com.vaadin..")
                .allowEmptyShould(true)
                .check(shared);
    }

    @Test
    void sharedPackagesFormNoCycle() {
        slices().matching("io.tuneforge.shared.(*)..").should().beFreeOfCycles().allowEmptyShould(true).check(shared);
    }
}
