package io.github.mooring.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The examples are what users copy: they use mooring-core's API packages only. */
class ExamplesArchitectureTest {

    @Test
    void useNoInternalPackageOfCore() throws URISyntaxException {
        Path classes = Path.of(
                Demo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        JavaClasses examples = new ClassFileImporter().importPath(classes);
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.github.mooring.internal..")
                .because("users copy the examples; io.github.mooring.internal may change in any release")
                .check(examples);
    }
}
