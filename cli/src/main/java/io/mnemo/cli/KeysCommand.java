package io.mnemo.cli;

import io.mnemo.kit.auth.ApiKey;
import io.mnemo.kit.auth.ApiKeyToken;
import io.mnemo.kit.auth.CreatedApiKey;
import io.mnemo.kit.auth.Scopes;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mnemo keys create|list|revoke}: API keys of the tenants, stored hashed in the Postgres primary. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Create, list and revoke API keys (tenant-bound, scoped, stored hashed).",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
public final class KeysCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code mnemo keys create}: prints the new key once. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a key and print it (only this once: just its hash is stored).")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        PostgresOptions postgres;

        @Option(names = "--tenant", required = true, description = "Tenant the key belongs to.")
        String tenant;

        @Option(names = "--name", required = true, description = "What the key is for (e.g. the producer app).")
        String name;

        @Option(names = "--scopes", required = true, split = ",",
                description = "Comma-separated scopes, of: memories:write, memories:read, media:write, "
                        + "analytics:read, ops:admin, users:erase.")
        List<String> scopes;

        @Option(names = "--rate", description = "Sustained requests per second (default: the service's).")
        Integer rate;

        @Option(names = "--burst", description = "Requests allowed at once (default: the service's).")
        Integer burst;

        @Override
        public Integer call() {
            Set<String> requested = new LinkedHashSet<>(scopes);
            if (!Scopes.ALL.containsAll(requested)) {
                requested.removeAll(Scopes.ALL);
                throw new ParameterException(spec.commandLine(), "Unknown scope(s) " + requested + "; valid: "
                        + String.join(", ", new TreeSet<>(Scopes.ALL)));
            }
            if ((rate != null && rate < 1) || (burst != null && burst < 1)) {
                throw new ParameterException(spec.commandLine(), "--rate and --burst must be at least 1");
            }
            CreatedApiKey created;
            try {
                created = postgres.keyStore().create(tenant, name, requested, rate, burst);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            ApiKey key = created.key();
            PrintWriter out = spec.commandLine().getOut();
            out.printf("Created API key %s for tenant %s (%s), scopes %s, rate limit %s.%n%n", key.keyId(),
                    key.tenantId(), key.name(), String.join(",", new TreeSet<>(key.scopes())), limits(key));
            out.printf("    %s%n%n", created.plaintext());
            out.println("WARNING: store this key now. It cannot be shown again: only its hash is kept.");
            out.flush();
            return 0;
        }
    }

    /** {@code mnemo keys list}: never shows secrets (they are not stored). */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (ids and metadata only).")
    static final class ListKeys implements Callable<Integer> {
        private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_LOCAL_DATE_TIME.withZone(ZoneOffset.UTC);

        @Spec
        CommandSpec spec;

        @Mixin
        PostgresOptions postgres;

        @Option(names = "--tenant", description = "Only this tenant's keys.")
        String tenant;

        @Override
        public Integer call() {
            List<ApiKey> keys = postgres.keyStore().list(Optional.ofNullable(tenant));
            PrintWriter out = spec.commandLine().getOut();
            String format = "%-12s  %-20s  %-24s  %-8s  %-40s  %-14s  %-19s%n";
            out.printf(format, "KEY ID", "TENANT", "NAME", "STATUS", "SCOPES", "RATE/BURST", "CREATED (UTC)");
            for (ApiKey key : keys) {
                out.printf(format, key.keyId(), key.tenantId(), key.name(),
                        key.isActive() ? "active" : "revoked", String.join(",", new TreeSet<>(key.scopes())),
                        limits(key), TIME.format(key.createdAt().truncatedTo(ChronoUnit.SECONDS)));
            }
            out.printf("%d key(s)%n", keys.size());
            out.flush();
            return 0;
        }
    }

    /** {@code mnemo keys revoke}: services stop accepting the key at their next key refresh. */
    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key.")
    static final class Revoke implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        PostgresOptions postgres;

        @Parameters(paramLabel = "KEY_ID", description = "The key id (the 12 characters after mnemo_).")
        String keyId;

        @Override
        public Integer call() {
            if (!ApiKeyToken.isKeyId(keyId)) {
                throw new ParameterException(spec.commandLine(), "Not a key id: " + keyId
                        + " (12 characters a-z, 2-7; never pass the full key on a command line)");
            }
            if (!postgres.keyStore().revoke(keyId)) {
                spec.commandLine().getErr().printf("No active key %s (unknown or already revoked).%n", keyId);
                return 1;
            }
            spec.commandLine().getOut().printf("Revoked key %s. Services refuse it from their next key refresh "
                    + "(auth.refreshInterval, 30 s by default).%n", keyId);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    private static String limits(ApiKey key) {
        return key.ratePerSecondOverride().isEmpty() && key.burstOverride().isEmpty() ? "default"
                : key.ratePerSecondOverride().map(String::valueOf).orElse("default") + "/"
                        + key.burstOverride().map(String::valueOf).orElse("default");
    }

    /** For tests and scripts: the command line of {@code mnemo keys}. */
    static CommandLine commandLine() {
        return new CommandLine(new KeysCommand());
    }
}
