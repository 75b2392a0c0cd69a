package io.tuneforge.trainer.engine.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The training engine (module trainer-engine) stands on its own: it uses nothing of ours but the chat templates and
 * platform-core-shared, no Spring, no persistence, no Vaadin; its packages form no cycle, the model package is the
 * foundation the others build on, and no two of its files need each other.
 */
class EngineArchitectureTest {

    /** Every package the engine holds (docs/design-decisions/DD013-trainer-modules.md). */
    static final String[] ENGINE_PACKAGES = {"io.tuneforge.trainer.model..", "io.tuneforge.trainer.training..",
            "io.tuneforge.trainer.generate..", "io.tuneforge.trainer.tokenizer..", "io.tuneforge.trainer.data..",
            "io.tuneforge.trainer.evaluation..", "io.tuneforge.trainer.export..", "io.tuneforge.trainer.device.."};

    static JavaClasses engine;

    @BeforeAll
    static void importTheEngine() {
        engine = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.tuneforge.trainer")
                .that(resideInAnyPackage(ENGINE_PACKAGES));
    }

    @Test
    void engineUsesNothingOfOursButChatTemplatesAndTheSharedVocabulary() {
        noClasses().should().dependOnClassesThat(resideInAPackage("io.tuneforge..")
                        .and(not(resideInAnyPackage(ENGINE_PACKAGES)))
                        .and(not(resideInAnyPackage("io.tuneforge.trainer.template..", "io.tuneforge.shared.."))))
                .check(engine);
    }

    @Test
    void engineUsesNoSpringNoPersistenceAndNoVaadin() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("org.springframework..", "jakarta.persistence..", "com.vaadin..")
                .check(engine);
    }

    @Test
    void enginePackagesFormNoCycle() {
        slices().matching("io.tuneforge.trainer.(*)..").should().beFreeOfCycles().check(engine);
    }

    @Test
    void theModelDependsOnNoEnginePackageAboveIt() {
        noClasses().that().resideInAPackage("io.tuneforge.trainer.model..")
                .should().dependOnClassesThat().resideInAnyPackage("io.tuneforge.trainer.training..",
                        "io.tuneforge.trainer.generate..", "io.tuneforge.trainer.tokenizer..",
                        "io.tuneforge.trainer.data..", "io.tuneforge.trainer.evaluation..",
                        "io.tuneforge.trainer.export..")
                .check(engine);
    }

    /** No two source files need each other (nested classes count as their file). */
    @Test
    void noTwoFilesNeedEachOther() {
        slices().assignedFrom(BY_FILE).should().beFreeOfCycles().check(engine);
    }

    /** One slice per top-level class: a class and its nested classes are one file. */
    private static final SliceAssignment BY_FILE = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String name = javaClass.getName();
            int nested = name.indexOf('$');
            return SliceIdentifier.of(nested < 0 ? name : name.substring(0, nested));
        }

        @Override
        public String getDescription() {
            return "source files";
        }
    };
}
