package io.github.mooring;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
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
                        "io.github.mooring.internal.topology..",
                        "io.github.mooring.internal.probe..",
                        "io.github.mooring.internal.sentinel..",
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
    void sharedHelpersDependOnTheJdkOnly() {
        noClasses()
                .that()
                .resideInAPackage("io.github.mooring.internal")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages("io.github.mooring.internal", "java..")
                .because("every package, the API model included, may use them (Require: one wording per check)")
                .check(core);
    }

    /**
     * MooringClient wires the engine into the two classes it builds in other packages; their entry points are public
     * for it alone (their Javadoc says so). Any other exposure fails.
     */
    static final Set<String> WIRING =
            Set.of("io.github.mooring.healer.Healer.start", "io.github.mooring.lettuce.MooringRedisClient.<init>");

    @Test
    void theApiDoesNotExposeTheEngine() {
        ArchCondition<JavaCodeUnit> notExposingInternalTypes =
                new ArchCondition<>("not take or return a type of io.github.mooring.internal") {
                    @Override
                    public void check(JavaCodeUnit unit, ConditionEvents events) {
                        Stream.concat(unit.getRawParameterTypes().stream(), Stream.of(unit.getRawReturnType()))
                                .filter(type -> type.getPackageName().startsWith("io.github.mooring.internal."))
                                .filter(type -> !WIRING.contains(unit.getOwner().getName() + "." + unit.getName()))
                                .forEach(type -> events.add(SimpleConditionEvent.violated(
                                        unit, unit.getFullName() + " exposes " + type.getName())));
                    }
                };
        codeUnits()
                .that()
                .arePublic()
                .and()
                .areDeclaredInClassesThat()
                .resideOutsideOfPackage("io.github.mooring.internal..")
                .and()
                .areDeclaredInClassesThat()
                .arePublic()
                .should(notExposingInternalTypes)
                .because("what an application can call must not change when the engine does")
                .check(core);
    }

    @Test
    void theEngineDoesNotReachBackIntoTheFacade() {
        noClasses()
                .that()
                .resideInAPackage("io.github.mooring.internal..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.github.mooring",
                        "io.github.mooring.lettuce",
                        "io.github.mooring.healer",
                        "io.github.mooring.cluster")
                .check(core);
    }
}
