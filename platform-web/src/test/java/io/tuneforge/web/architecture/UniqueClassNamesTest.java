package io.tuneforge.web.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * No two production classes of the project share a simple name: a reader finds a class from its name, and no code
 * needs a fully qualified name to tell twins apart. Nested types count under their outer class's name
 * ({@code DatasetFile.Purpose}), so only top-level classes are compared.
 */
class UniqueClassNamesTest {

    /** Core's test classes reach the web module's tests as a test jar, which DO_NOT_INCLUDE_TESTS does not know. */
    private static final Pattern TEST_JAR = Pattern.compile(".*-tests\\.jar!/.*");

    @Test
    void everyProductionClassHasASimpleNameOfItsOwn() {
        Map<String, List<String>> byName = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.matches(TEST_JAR))
                .importPackages("io.tuneforge").stream()
                .filter(JavaClass::isTopLevelClass)
                .filter(c -> !c.getSimpleName().equals("package-info"))
                .collect(Collectors.groupingBy(JavaClass::getSimpleName, TreeMap::new,
                        Collectors.mapping(JavaClass::getName, Collectors.toList())));

        assertThat(byName).as("production classes by simple name").hasSizeGreaterThan(100);
        assertThat(byName.values().stream().filter(names -> names.size() > 1).toList())
                .as("classes that share a simple name: rename one so that its name says what it is, or merge them "
                        + "into platform-core-shared when they are the same concept").isEmpty();
    }
}
