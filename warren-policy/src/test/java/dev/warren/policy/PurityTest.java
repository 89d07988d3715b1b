package dev.warren.policy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** DESIGN.md §2: warren-policy is pure — it depends only on warren-wire and does no I/O, no threads, no clocks. */
class PurityTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.warren.policy");

    @Test
    void dependsOnlyOnWire() {
        noClasses().that().resideInAPackage("dev.warren.policy..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.warren.crypto..", "dev.warren.wireguard..", "dev.warren.net..",
                        "dev.warren.control..", "dev.warren.node..", "dev.warren.cli..", "dev.warren.relay..",
                        "dev.warren.magicsock..", "dev.warren.channel..", "dev.warren.testing..")
                .check(CLASSES);
    }

    @Test
    void doesNoIoAndReadsNoClock() {
        noClasses().that().resideInAPackage("dev.warren.policy..").should().dependOnClassesThat()
                .resideInAnyPackage("java.io..", "java.nio.file..", "java.nio.channels..", "java.net..",
                        "java.util.concurrent..", "java.time..")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .check(CLASSES);
    }
}
