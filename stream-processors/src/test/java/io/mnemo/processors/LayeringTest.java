package io.mnemo.processors;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/** Keeps the package roles of STYLE.md honest; a failure message says how to fix the dependency. */
class LayeringTest {
    private static final ArchRule topologiesArePureStreamsCode = noClasses().that().resideInAPackage("..topology..")
            .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "org.jdbi..", "software.amazon..",
                    "io.mnemo.processors.sink..", "io.mnemo.processors.db..")
            .because("a topology is a pure builder; JDBC and S3 work belongs in sink/db");

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(new ImportOption.DoNotIncludeTests()).importPackages("io.mnemo.processors");

    @Test
    void topologiesArePureStreamsCode() {
        topologiesArePureStreamsCode.check(CLASSES);
    }
}
