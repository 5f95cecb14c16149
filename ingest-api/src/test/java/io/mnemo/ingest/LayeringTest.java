package io.mnemo.ingest;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/** Keeps the package roles of STYLE.md honest; a failure message says how to fix the dependency. */
class LayeringTest {
    private static final ArchRule coreIsFreeOfTransportAndPersistence = noClasses().that().resideInAPackage("..core..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.apache.kafka..", "org.jdbi..",
                    "software.amazon..", "io.dropwizard..", "org.apache.avro..")
            .because("core holds the domain; move transport or persistence code to resources/kafka/db adapters");

    private static final ArchRule resourcesDoNotTalkToKafkaDirectly = noClasses().that().resideInAPackage("..resources..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "org.jdbi..")
            .because("resources call core services; Kafka and Jdbi belong in the adapters");

    private static final ArchRule apiIsPlainJson = noClasses().that().resideInAPackage("..api..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "org.jdbi..", "software.amazon..")
            .because("api holds JSON records only");

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(new ImportOption.DoNotIncludeTests()).importPackages("io.mnemo.ingest");

    @Test
    void coreIsFreeOfTransportAndPersistence() {
        coreIsFreeOfTransportAndPersistence.check(CLASSES);
    }

    @Test
    void resourcesDoNotTalkToKafkaDirectly() {
        resourcesDoNotTalkToKafkaDirectly.check(CLASSES);
    }

    @Test
    void apiIsPlainJson() {
        apiIsPlainJson.check(CLASSES);
    }
}
