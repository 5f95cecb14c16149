package io.mnemo.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * terraform/ parses (HashiCorp's HCL parser through npm @cdktf/hcl2json, installed by terraform/check; there is
 * no Terraform binary here) and its names resolve: variables declared and used, module inputs given and known,
 * module outputs that exist. Plus what issue 16 asks of the AWS resources.
 */
class TerraformModulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode parsed;

    @BeforeAll
    static void parseTerraform() throws IOException {
        parsed = parse(Command.REPOSITORY.resolve("terraform"));
    }

    private static JsonNode parse(Path dir) throws IOException {
        Command check = Command.run(new Command.Duration(300), Map.of(), "terraform/check", dir.toString());
        assertThat(check.exitCode()).as(check.output()).isZero();
        // npm's and the script's notes go to stderr, merged here before the JSON document
        return JSON.readTree(check.output().substring(check.output().indexOf("{\"")));
    }

    @Test
    void everyReferenceResolves() {
        assertThat(parsed.size()).isGreaterThanOrEqualTo(9);
        assertThat(TerraformReferences.problems(parsed)).isEmpty();
    }

    @Test
    void aMissingInputAnUndeclaredVariableAndAnUnknownOutputAreReported(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("modules/db"));
        Files.writeString(dir.resolve("main.tf"), """
                module "db" {
                  source = "./modules/db"
                  sizee  = 2
                }
                output "url" {
                  value = "${module.db.ur1}/${var.region}"
                }
                """);
        Files.writeString(dir.resolve("modules/db/main.tf"), """
                variable "name" {
                  description = "Name."
                  type        = string
                }
                variable "size" {
                  description = "Size."
                  type        = number
                  default     = 1
                }
                output "url" {
                  value = "${var.name}-${var.size}"
                }
                """);

        assertThat(TerraformReferences.problems(parse(dir))).containsExactlyInAnyOrder(
                "(root): var.region is not declared",
                "(root): module db gives sizee, which modules/db does not declare",
                "(root): module db lacks required input name",
                "(root): module.db.ur1 is not an output of ./modules/db");
    }

    @Test
    void aSyntaxErrorFailsTheParse(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("main.tf"), "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n");

        Command check = Command.run(new Command.Duration(120), Map.of(), "terraform/check", dir.toString());

        assertThat(check.exitCode()).isNotZero();
        assertThat(check.output()).contains("main.tf");
    }

    @Test
    void rootVariablesAreValidated() {
        var root = TerraformReferences.directories(parsed).get("");
        long validated = root.variables().values().stream().filter(v -> v.has("validation")).count();
        assertThat(validated).isGreaterThanOrEqualTo(12);
    }

    @Test
    void databaseKeepsBackupsAndReplicasAndTheBucketExpiresStagingOnly() {
        JsonNode primary = parsed.at("/modules~1rds~1main.tf/resource/aws_db_instance/primary/0");
        assertThat(primary.path("backup_retention_period").asText()).isEqualTo("${var.backup_retention_days}");
        assertThat(primary.path("multi_az").asBoolean()).isTrue();
        assertThat(primary.path("deletion_protection").asBoolean()).isTrue();
        assertThat(primary.path("manage_master_user_password").asBoolean()).isTrue();
        assertThat(parsed.at("/modules~1rds~1main.tf/resource/aws_db_instance/replica/0/replicate_source_db").asText())
                .contains("aws_db_instance.primary");

        JsonNode rules = parsed.at("/modules~1media_bucket~1main.tf/resource/aws_s3_bucket_lifecycle_configuration"
                + "/media/0/rule");
        JsonNode staging = null;
        for (JsonNode rule : rules) {
            if (rule.at("/expiration/0/days").isTextual() || rule.at("/expiration/0/days").isNumber()) {
                assertThat(staging).as("only one rule expires current objects").isNull();
                staging = rule;
            }
        }
        assertThat(staging).isNotNull();
        assertThat(staging.at("/filter/0/prefix").asText()).isEqualTo("staging/");
        assertThat(parsed.at("/modules~1media_bucket~1main.tf/resource/aws_s3_bucket_versioning/media/0"
                + "/versioning_configuration/0/status").asText()).isEqualTo("Enabled");
    }

    @Test
    void everyServiceTracesToTheConfiguredOtlpEndpoint() {
        JsonNode common = parsed.at("/main.tf/locals/0/common_env");
        assertThat(common.path("MNEMO_OTLP_ENDPOINT").asText()).isEqualTo("${var.otlp_endpoint}");
        assertThat(common.path("MNEMO_TRACING_ENABLED").asText()).contains("var.otlp_endpoint");
        assertThat(common.path("MNEMO_TRACING_SAMPLING_RATIO").asText()).contains("var.tracing_sampling_ratio");
        for (String variable : new String[] {"otlp_endpoint", "tracing_sampling_ratio"}) {
            assertThat(parsed.at("/variables.tf/variable/" + variable + "/0").has("validation")).as(variable).isTrue();
        }
        for (String service : new String[] {"ingest", "query", "processors"}) {
            assertThat(parsed.at("/main.tf/module/" + service + "/0/environment").asText()).as(service)
                    .contains("local.common_env");
        }
    }

    @Test
    void secretsReachTasksOnlyThroughSecretsManager() {
        JsonNode common = parsed.at("/main.tf/locals/0/common_env");
        assertThat(common.isObject()).isTrue();
        common.fieldNames().forEachRemaining(name -> assertThat(name).doesNotContain("PASSWORD", "SECRET"));
        for (String service : new String[] {"ingest", "query", "processors"}) {
            JsonNode call = parsed.at("/main.tf/module/" + service + "/0");
            assertThat(call.path("environment").toString()).as(service).doesNotContain("PASSWORD", "SECRET");
        }
        // each service its own Postgres role and secret; only the processors' migration container holds the owner's
        assertThat(parsed.at("/main.tf/module/ingest/0/secrets").toString())
                .contains("db_role_password_arns", "ingest", "master_key_secret_arn").doesNotContain("master_secret_arn");
        assertThat(parsed.at("/main.tf/module/query/0/secrets").toString())
                .contains("db_role_password_arns", "query").doesNotContain("master_secret_arn", "master_key");
        assertThat(parsed.at("/main.tf/module/processors/0/secrets").toString())
                .contains("db_role_password_arns", "processor", "master_key_secret_arn")
                .doesNotContain("master_secret_arn");
        assertThat(parsed.at("/main.tf/module/processors/0/migration/secrets").asText())
                .isEqualTo("${local.migration_secrets}");
        assertThat(parsed.at("/main.tf/locals/0/migration_secrets/MNEMO_PG_PASSWORD").asText())
                .contains("master_secret_arn");
    }

    @Test
    void processorsTasksMigrateFirstInAContainerOfTheSameRelease() {
        JsonNode processors = parsed.at("/main.tf/module/processors/0");
        assertThat(processors.at("/environment").asText()).containsPattern("MNEMO_MIGRATE_ON_START\\s*=\\s*\"false\"");
        assertThat(processors.at("/migration/image").asText())
                .isEqualTo("${var.image_repository}/mnemo-cli:${var.image_tag}");
        assertThat(processors.at("/migration/command").toString()).isEqualTo("[\"db\",\"migrate\"]");
        String containers = parsed.at("/modules~1ecs_service~1main.tf/resource/aws_ecs_task_definition/service/0"
                + "/container_definitions").asText();
        assertThat(containers).contains("name        = \"migrate\"", "essential   = false",
                "containerName = \"migrate\", condition = \"SUCCESS\"");
    }
}
