package dev.warren.cli;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The module rules of DESIGN.md §2, checked on the compiled main classes: the WireGuard engine sees the network
 * only through the datapath SPI, the vocabulary depends on nothing, and only the CLI wires subsystems together.
 * Time in the engine is injected, never read from the system clock directly.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.warren");
    }

    @Test
    void wireDependsOnNoOtherModule() {
        noClasses().that().resideInAPackage("dev.warren.wire..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.warren.crypto..", "dev.warren.wireguard..", "dev.warren.net..",
                        "dev.warren.cli..", "dev.warren.testing..")
                .check(classes);
    }

    @Test
    void cryptoDependsOnlyOnWire() {
        noClasses().that().resideInAPackage("dev.warren.crypto..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.warren.wireguard..", "dev.warren.net..", "dev.warren.cli..",
                        "dev.warren.testing..")
                .check(classes);
    }

    @Test
    void wireguardSeesTheNetworkOnlyThroughTheSpi() {
        noClasses().that().resideInAPackage("dev.warren.wireguard..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.warren.net..", "dev.warren.cli..", "dev.warren.testing..")
                .check(classes);
    }

    @Test
    void theEngineNeverSeesMagicsockRelaysOrTheNode() {
        noClasses().that().resideInAPackage("dev.warren.wireguard..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.warren.magicsock..", "dev.warren.relay..", "dev.warren.node..",
                        "dev.warren.control..")
                .check(classes);
    }

    @Test
    void magicsockKnowsNothingOfTheEngineOrTheNode() {
        noClasses().that().resideInAPackage("dev.warren.magicsock..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.warren.wireguard..", "dev.warren.node..", "dev.warren.control..")
                .check(classes);
    }

    @Test
    void netKnowsNothingOfWireGuard() {
        noClasses().that().resideInAPackage("dev.warren.net..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.warren.wireguard..", "dev.warren.crypto..", "dev.warren.cli..")
                .check(classes);
    }

    @Test
    void onlyTheCliWiresSubsystemsTogether() {
        noClasses().that().resideOutsideOfPackage("dev.warren.cli..").should().dependOnClassesThat()
                .resideInAPackage("dev.warren.cli..")
                .check(classes);
    }

    @Test
    void theFilterDoesNoIoAndReadsTimeOnlyThroughItsClock() {
        noClasses().that().resideInAPackage("dev.warren.filter..").should().dependOnClassesThat()
                .resideInAnyPackage("java.net..", "java.nio.channels..", "java.nio.file..", "dev.warren.net..",
                        "dev.warren.wireguard..", "dev.warren.magicsock..", "dev.warren.relay..",
                        "dev.warren.node..", "dev.warren.control..", "dev.warren.cli..")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .check(classes);
    }

    @Test
    void theEngineReadsTimeOnlyThroughItsClock() {
        noClasses().that().resideInAPackage("dev.warren.wireguard..")
                .should().callMethod(System.class, "nanoTime")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .check(classes);
    }
}
