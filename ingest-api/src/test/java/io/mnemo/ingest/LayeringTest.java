package io.mnemo.ingest;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "io.mnemo.ingest", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
    @ArchTest
    static final ArchRule coreIsFreeOfTransportAndPersistence = noClasses().that().resideInAPackage("..core..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.apache.kafka..", "org.jdbi..",
                    "software.amazon..", "io.dropwizard..", "org.apache.avro..")
            .because("core holds the domain; move transport or persistence code to resources/kafka/db adapters");

    @ArchTest
    static final ArchRule resourcesDoNotTalkToKafkaDirectly = noClasses().that().resideInAPackage("..resources..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "org.jdbi..")
            .because("resources call core services; Kafka and Jdbi belong in the adapters");

    @ArchTest
    static final ArchRule apiIsPlainJson = noClasses().that().resideInAPackage("..api..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "org.jdbi..", "software.amazon..")
            .because("api holds JSON records only");
}
