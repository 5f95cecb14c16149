package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.devstack.DevstackExtension;
import io.mnemo.kit.auth.ApiKey;
import io.mnemo.kit.auth.ApiKeyStore;
import io.mnemo.kit.auth.ApiKeyToken;
import io.mnemo.kit.auth.Scopes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code mnemo keys create|list|revoke} against the devstack primary. */
@ExtendWith(DevstackExtension.class)
class KeysCommandIT {
    private static final Pattern KEY = Pattern.compile("mnemo_([a-z2-7]{12})_[A-Za-z0-9_-]{43}");

    record Run(int exitCode, String out, String err) {
    }

    private static Run mnemo(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new MnemoCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** {@code mnemo keys <sub> <args> --jdbc-url ... --user ... --password ...}. */
    private static Run keys(String subcommand, String... args) {
        var pg = DevstackExtension.devstack().primary();
        List<String> all = new ArrayList<>(List.of("keys", subcommand));
        all.addAll(List.of(args));
        all.addAll(List.of("--jdbc-url", pg.jdbcUrl(), "--user", pg.user(),
                "--password=" + (pg.password() == null ? "" : pg.password())));
        return mnemo(all.toArray(String[]::new));
    }

    private static ApiKeyStore store() {
        var pg = DevstackExtension.devstack().primary();
        return new ApiKeyStore(Jdbi.create(pg.jdbcUrl(), pg.user(), pg.password()).installPlugin(new PostgresPlugin()));
    }

    private static String tenant() {
        return "kc-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void createPrintsTheKeyOnceWithAWarningAndStoresOnlyItsHash() {
        String tenant = tenant();

        Run run = keys("create", "--tenant", tenant, "--name", "photo-app", "--scopes",
                "memories:write,memories:read", "--rate", "5", "--burst", "10");

        assertThat(run.exitCode()).as(run.err()).isZero();
        Matcher key = KEY.matcher(run.out());
        assertThat(key.find()).as(run.out()).isTrue();
        assertThat(run.out()).contains("WARNING").contains("cannot be shown again");
        ApiKey stored = store().find(key.group(1)).orElseThrow();
        assertThat(stored.tenantId()).isEqualTo(tenant);
        assertThat(stored.name()).isEqualTo("photo-app");
        assertThat(stored.scopes()).containsExactlyInAnyOrder(Scopes.MEMORIES_WRITE, Scopes.MEMORIES_READ);
        assertThat(stored.ratePerSecond()).isEqualTo(5);
        assertThat(stored.burst()).isEqualTo(10);
        assertThat(stored.secretHash()).doesNotContain(key.group().substring(19)).matches("[0-9a-f]{64}");
        assertThat(ApiKeyToken.parse(key.group()).orElseThrow().matches(stored.secretHash())).isTrue();
    }

    @Test
    void listShowsTheTenantsKeysWithoutSecrets() {
        String tenant = tenant();
        Run created = keys("create", "--tenant", tenant, "--name", "listed", "--scopes", "memories:read");
        Matcher key = KEY.matcher(created.out());
        assertThat(key.find()).isTrue();
        keys("create", "--tenant", tenant(), "--name", "other-tenant", "--scopes", "memories:read");

        Run list = keys("list", "--tenant", tenant);

        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains(key.group(1)).contains(tenant).contains("listed").contains("active")
                .contains("memories:read").contains("1 key(s)")
                .doesNotContain(key.group().substring(19)).doesNotContain("other-tenant");
        assertThat(keys("list").out()).contains(key.group(1)).contains("other-tenant")
                .doesNotContain(key.group().substring(19));
    }

    @Test
    void revokeMarksTheKeyRevokedAndASecondRevokeFails() {
        String tenant = tenant();
        Matcher key = KEY.matcher(keys("create", "--tenant", tenant, "--name", "leaked", "--scopes",
                "memories:write").out());
        assertThat(key.find()).isTrue();

        Run revoke = keys("revoke", key.group(1));

        assertThat(revoke.exitCode()).as(revoke.err()).isZero();
        assertThat(revoke.out()).contains("Revoked key " + key.group(1));
        assertThat(store().find(key.group(1)).orElseThrow().isActive()).isFalse();
        assertThat(store().loadAllActive()).extracting(ApiKey::keyId).doesNotContain(key.group(1));
        assertThat(keys("list", "--tenant", tenant).out()).contains("revoked");
        Run again = keys("revoke", key.group(1));
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("No active key");
    }

    @Test
    void unknownScopesAndFullKeysInsteadOfIdsAreUsageErrors() {
        Run badScope = keys("create", "--tenant", tenant(), "--name", "x", "--scopes", "memories:write,root");
        assertThat(badScope.exitCode()).isEqualTo(2);
        assertThat(badScope.err()).contains("root").contains(Scopes.MEMORIES_READ);

        Run fullKey = keys("revoke", ApiKeyToken.generate().plaintext());
        assertThat(fullKey.exitCode()).isEqualTo(2);
        assertThat(fullKey.err()).contains("Not a key id");
    }

    @Test
    void withoutConnectionOptionsItUsesTheDevEnvironmentFile(@TempDir Path dir) throws Exception {
        var pg = DevstackExtension.devstack().primary();
        Path env = dir.resolve("dev-env.json");
        Files.writeString(env, """
                {"postgres": {"primary": "%s", "replicas": [], "user": "%s", "password": "%s"}}
                """.formatted(pg.jdbcUrl(), pg.user(), pg.password() == null ? "" : pg.password()));
        String tenant = tenant();

        Run created = mnemo("keys", "create", "--env-file", env.toString(), "--tenant", tenant, "--name", "from-env",
                "--scopes", "memories:write");

        assertThat(created.exitCode()).as(created.err()).isZero();
        assertThat(store().list(java.util.Optional.of(tenant))).singleElement()
                .satisfies(key -> assertThat(key.name()).isEqualTo("from-env"));
        Run missing = mnemo("keys", "list", "--env-file", dir.resolve("absent.json").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("mnemo dev").contains("--jdbc-url");
    }
}
