package io.github.mooring.boot;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The starter uses mooring-core as any application does: through its API packages only, without package cycles. */
class StarterArchitectureTest {

    private static JavaClasses starter;

    @BeforeAll
    static void importStarter() throws URISyntaxException {
        // Exactly the starter's main classes.
        Path classes = Path.of(MooringAutoConfiguration.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        starter = new ClassFileImporter().importPath(classes);
    }

    @Test
    void usesNoInternalPackageOfCore() {
        noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.github.mooring.internal..")
                .because("io.github.mooring.internal is mooring-core's engine, free to change in any release; "
                        + "what the starter needs belongs in the public options and model")
                .check(starter);
    }

    @Test
    void packagesFormNoCycle() {
        slices().matching("io.github.mooring.boot.(**)")
                .should()
                .beFreeOfCycles()
                .check(starter);
    }
}
