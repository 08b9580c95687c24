package io.github.mooring;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of mooring-core, checked on its compiled classes. The dependencies run one way:
 *
 * <pre>
 *   io.github.mooring (facade)  →  lettuce, healer  →  internal.topology  →  internal.probe
 *                                                            ↓                   ↓
 *                                         topology, probe, discovery (API model)  →  exceptions
 * </pre>
 *
 * A rule that fails names the classes and the dependency that breaks it.
 */
class ArchitectureTest {

    private static JavaClasses core;

    @BeforeAll
    static void importCore() throws URISyntaxException {
        // Exactly the classes of mooring-core's main output, not the tests nor the testkit on the same classpath.
        Path classes = Path.of(MooringClient.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        core = new ClassFileImporter().importPath(classes);
    }

    /** One slice per Java package of Mooring, so that a cycle between any two packages shows. */
    static final SliceAssignment EACH_PACKAGE = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String name = javaClass.getPackageName();
            return name.startsWith("io.github.mooring") ? SliceIdentifier.of(name) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "each package of io.github.mooring";
        }
    };

    @Test
    void packagesFormNoCycle() {
        slices().assignedFrom(EACH_PACKAGE).should().beFreeOfCycles().check(core);
    }

    @Test
    void theApiModelDoesNotDependOnTheEngine() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "io.github.mooring.exceptions",
                        "io.github.mooring.discovery",
                        "io.github.mooring.probe",
                        "io.github.mooring.topology")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.github.mooring.internal..",
                        "io.github.mooring.lettuce",
                        "io.github.mooring.healer",
                        "io.github.mooring")
                .because("an application reads topologies and catches exceptions without loading the engine")
                .check(core);
    }

    @Test
    void exceptionsDependOnNothingOfMooring() {
        noClasses()
                .that()
                .resideInAPackage("io.github.mooring.exceptions")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages("io.github.mooring.exceptions", "java..", "io.lettuce.core")
                .because("every package may throw them")
                .check(core);
    }

    @Test
    void theEngineDoesNotReachBackIntoTheFacade() {
        noClasses()
                .that()
                .resideInAPackage("io.github.mooring.internal..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.github.mooring", "io.github.mooring.lettuce", "io.github.mooring.healer")
                .check(core);
    }
}
