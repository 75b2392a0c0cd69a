package io.tuneforge.trainer.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The platform side of training (module platform-trainer: worker, playground, dataset validation and previews, CLI)
 * adapts the engine to core and Spring; it knows nothing of the web module, and its packages form no cycle.
 */
class TrainerArchitectureTest {

    /** Every package this module holds (docs/design-decisions/DD013-trainer-modules.md). */
    static final String[] ADAPTER_PACKAGES = {"io.tuneforge.trainer.worker..", "io.tuneforge.trainer.playground..",
            "io.tuneforge.trainer.data.platform..", "io.tuneforge.trainer.data.preview..", "io.tuneforge.trainer.cli.."};

    static JavaClasses adapters;

    @BeforeAll
    static void importTheAdapters() {
        adapters = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tuneforge.trainer")
                .that(resideInAnyPackage(ADAPTER_PACKAGES));
    }

    @Test
    void trainerDependsNotOnWebNorVaadin() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.tuneforge.web..", "com.vaadin..")
                .check(adapters);
    }

    /**
     * Core owns its tables: the worker reads its claimed job through {@code ClaimedJobs} and writes under its lease
     * through {@code JobQueue} and {@code MetricsWriter}, never with SQL of its own. The one database handle it keeps
     * is the {@code DataSource} that core's {@code QueueListener} listens on.
     */
    @Test
    void trainerRunsNoSqlOfItsOwn() {
        JavaClasses trainer = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tuneforge.trainer");
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.springframework.jdbc..", "java.sql..")
                .because("a module must not read another module's tables with its own SQL: ask core's API "
                        + "(io.tuneforge.core.job.ClaimedJobs, JobQueue, MetricsWriter)")
                .check(trainer);
    }

    @Test
    void adapterPackagesFormNoCycle() {
        slices().matching("io.tuneforge.trainer.(*)..").should().beFreeOfCycles().check(adapters);
    }
}
