package io.mnemo.query;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/** Keeps the package roles of STYLE.md honest; a failure message says how to fix the dependency. */
class LayeringTest {
    private static final ArchRule coreIsFreeOfTransportAndPersistence = noClasses().that().resideInAPackage("..core..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.jdbi..", "java.sql..",
                    "io.dropwizard..")
            .because("core holds the query logic; move HTTP and SQL to resources/db adapters");

    private static final ArchRule resourcesDoNotRunSql = noClasses().that().resideInAPackage("..resources..")
            .should().dependOnClassesThat().resideInAnyPackage("org.jdbi..", "java.sql..")
            .because("resources call core; SQL belongs in the db adapter");

    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(new ImportOption.DoNotIncludeTests()).importPackages("io.mnemo.query");

    @Test
    void coreIsFreeOfTransportAndPersistence() {
        coreIsFreeOfTransportAndPersistence.check(CLASSES);
    }

    @Test
    void resourcesDoNotRunSql() {
        resourcesDoNotRunSql.check(CLASSES);
    }
}
