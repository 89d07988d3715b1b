package dev.warren.control;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The control server's dependency rules (DESIGN.md §2). */
class ControlArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.warren.control");

    @Test
    void controlNeverDependsOnTheNodeOrTheCli() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.warren.node..", "dev.warren.cli..",
                "dev.warren.testing..").check(CLASSES);
    }

    @Test
    void theStoreKnowsNothingAboveIt() {
        noClasses().that().resideInAPackage("dev.warren.control.internal.store..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.warren.control.internal.state..", "dev.warren.control.internal.map..",
                        "dev.warren.control.internal.protocol..", "dev.warren.control.internal.http..")
                .check(CLASSES);
    }

    @Test
    void stateKnowsNoStreamsNoProtocolNoHttp() {
        noClasses().that().resideInAPackage("dev.warren.control.internal.state..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.warren.control.internal.map..", "dev.warren.control.internal.protocol..",
                        "dev.warren.control.internal.http..", "io.javalin..")
                .check(CLASSES);
    }
}
