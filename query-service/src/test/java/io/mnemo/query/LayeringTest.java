package io.mnemo.query;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "io.mnemo.query", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {
    @ArchTest
    static final ArchRule coreIsFreeOfTransportAndPersistence = noClasses().that().resideInAPackage("..core..")
            .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "org.jdbi..", "java.sql..",
                    "io.dropwizard..")
            .because("core holds the query logic; move HTTP and SQL to resources/db adapters");

    @ArchTest
    static final ArchRule resourcesDoNotRunSql = noClasses().that().resideInAPackage("..resources..")
            .should().dependOnClassesThat().resideInAnyPackage("org.jdbi..", "java.sql..")
            .because("resources call core; SQL belongs in the db adapter");
}
