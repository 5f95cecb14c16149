package io.mnemo.processors;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "io.mnemo.processors", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
    @ArchTest
    static final ArchRule topologiesArePureStreamsCode = noClasses().that().resideInAPackage("..topology..")
            .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "org.jdbi..", "software.amazon..",
                    "io.mnemo.processors.sink..", "io.mnemo.processors.db..")
            .because("a topology is a pure builder; JDBC and S3 work belongs in sink/db");
}
