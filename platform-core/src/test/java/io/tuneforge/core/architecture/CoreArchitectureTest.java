package io.tuneforge.core.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Core (module platform-core) knows neither the trainer nor the web module, and its feature packages form no cycle. */
class CoreArchitectureTest {

    static JavaClasses core;

    @BeforeAll
    static void importCore() {
        core = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tuneforge.core");
    }

    @Test
    void coreDependsOnNeitherTrainerNorWeb() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.tuneforge.trainer..", "io.tuneforge.web..")
                .check(core);
    }

    @Test
    void coreUsesNoVaadinAndNoDjl() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("com.vaadin..", "ai.djl..").check(core);
    }

    @Test
    void corePackagesFormNoCycle() {
        slices().matching("io.tuneforge.core.(*)..").should().beFreeOfCycles().check(core);
    }
}
