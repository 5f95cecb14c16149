package io.mnemo.cli;

import io.mnemo.kit.kafka.KafkaClientSecurity;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mnemo.processors.topology.DeadLetters;
import io.mnemo.schemas.Topics;
import io.mnemo.schemas.events.DeadLetterAction;
import io.mnemo.schemas.events.DeadLetterResolved;
import io.mnemo.schemas.serde.ConfluentAvroSerializer;
import io.mnemo.schemas.serde.HttpSchemaRegistryClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mnemo dlq list|show|retry|discard}: the dead letters still waiting, and an operator's decision on them.
 * A blocking dead letter (later events of its memory are parked behind it) is decided by publishing a
 * {@code DeadLetterResolved} to the event log under its key, so the processors apply the decision in order with
 * the memory's other events and release what was parked; any other dead letter is retried by publishing its
 * original bytes to its source topic again, or discarded, and the CLI records the decision on the dead-letter
 * topic.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, description = "List, show, retry or discard dead letters.",
        subcommands = {DlqCommand.ListCommand.class, DlqCommand.Show.class, DlqCommand.Retry.class,
                DlqCommand.Discard.class})
final class DlqCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Filters shared by list, retry and discard. */
    static final class Filters {
        @Option(names = "--user", description = "Only dead letters of this tenant/user key (e.g. acme/alice).")
        String user;

        @Option(names = "--since", description = "Only dead letters written at or after this instant.")
        Instant since;

        @Option(names = "--until", description = "Only dead letters written before this instant.")
        Instant until;

        @Option(names = "--error-class", description = "Only this error class (e.g. io.mnemo.processors.EventRejected).")
        String errorClass;

        boolean matches(DeadLetterLog.Entry entry) {
            return (user == null || user.equals(entry.key()))
                    && (since == null || entry.time() != null && !entry.time().isBefore(since))
                    && (until == null || entry.time() != null && entry.time().isBefore(until))
                    && (errorClass == null || errorClass.equals(entry.errorClass()));
        }
    }

    static Map<String, Object> describe(DeadLetterLog.Entry entry, boolean withValue) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", entry.id());
        out.put("kind", entry.kind());
        out.put("key", entry.key());
        out.put("source", entry.sourceTopic() + "-" + entry.sourcePartition() + "@" + entry.sourceOffset());
        out.put("time", entry.time() == null ? null : entry.time().toString());
        out.put("errorClass", entry.errorClass());
        out.put("reason", entry.reason());
        out.put("eventId", entry.eventId());
        out.put("memory", entry.memory());
        out.put("parkedBehind", entry.parkedBehind());
        if (withValue) {
            out.put("valueBytes", entry.value() == null ? 0 : entry.value().length);
        }
        return out;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Dead letters still waiting, oldest first.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @ArgGroup(exclusive = false)
        Filters filters = new Filters();

        @Option(names = "--json", description = "Machine-readable output.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<DeadLetterLog.Entry> waiting = DeadLetterLog.read(kafka.resolve().bootstrap()).waiting().stream()
                    .filter(filters::matches).toList();
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(
                        waiting.stream().map(e -> describe(e, false)).toList()));
                return 0;
            }
            out.printf("%-12s %-9s %-24s %-30s %s%n", "ID", "KIND", "TIME", "KEY", "REASON");
            for (DeadLetterLog.Entry e : waiting) {
                out.printf("%-12s %-9s %-24s %-30s %s%n", e.id(), e.kind(),
                        e.time() == null ? "" : e.time().truncatedTo(ChronoUnit.SECONDS), e.key(), e.reason());
            }
            out.printf("%d dead letter(s) waiting%n", waiting.size());
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One dead letter with all its headers.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @Parameters(index = "0", description = "Id as printed by list (source partition:offset).")
        String id;

        @Override
        public Integer call() throws Exception {
            DeadLetterLog log = DeadLetterLog.read(kafka.resolve().bootstrap());
            DeadLetterLog.Entry entry = log.get(id);
            if (entry == null) {
                spec.commandLine().getErr().println("No dead letter " + id);
                return 1;
            }
            Map<String, Object> out = describe(entry, true);
            out.put("waiting", log.isWaiting(id));
            Map<String, String> headers = new LinkedHashMap<>();
            entry.headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
            out.put("headers", headers);
            spec.commandLine().getOut().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(out));
            return 0;
        }
    }

    /** Retry and discard: choose, preview, confirm, act. */
    abstract static class Decision implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @ArgGroup(exclusive = false)
        Filters filters = new Filters();

        @Parameters(arity = "0..*", description = "Ids as printed by list; without ids, every waiting dead letter "
                + "matching the filters.")
        List<String> ids = new ArrayList<>();

        @Option(names = "--yes", description = "Do not ask for confirmation.")
        boolean yes;

        @Option(names = "--operator", description = "Who decides, for the audit trail (default: $USER).")
        String operator = System.getenv().getOrDefault("USER", "operator");

        abstract DeadLetterAction action();

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            KafkaOptions.Endpoints endpoints = kafka.resolve();
            DeadLetterLog log = DeadLetterLog.read(endpoints.bootstrap());
            List<DeadLetterLog.Entry> chosen = new ArrayList<>();
            for (DeadLetterLog.Entry entry : log.waiting()) {
                if ((ids.isEmpty() || ids.contains(entry.id())) && filters.matches(entry)
                        && entry.parkedBehind() == null) {
                    chosen.add(entry);
                }
            }
            long parked = log.waiting().stream().filter(e -> e.parkedBehind() != null && chosen.stream()
                    .anyMatch(c -> c.blocking() && e.parkedBehind().equals(c.eventId()))).count();
            if (chosen.isEmpty()) {
                out.println("Nothing to " + action().name().toLowerCase() + " (parked events are released through "
                        + "the dead letter they wait behind).");
                return 0;
            }
            out.printf("%s %d dead letter(s), in their original order; %d parked event(s) are released behind them.%n",
                    action() == DeadLetterAction.RETRY ? "Retry" : "Discard", chosen.size(), parked);
            if (!yes && !confirm(out)) {
                out.println("Nothing done.");
                return 1;
            }
            try (var events = new KafkaProducer<String, SpecificRecord>(producerProps(endpoints.bootstrap()),
                    new StringSerializer(), new ConfluentAvroSerializer(
                            new HttpSchemaRegistryClient(endpoints.schemaRegistry()), true));
                 var raw = new KafkaProducer<String, byte[]>(producerProps(endpoints.bootstrap()),
                         new StringSerializer(), new ByteArraySerializer())) {
                for (DeadLetterLog.Entry entry : chosen) {
                    decide(entry, events, raw);
                }
                events.flush();
                raw.flush();
            }
            out.printf("Done: %d decision(s) published.%n", chosen.size());
            return 0;
        }

        private void decide(DeadLetterLog.Entry entry, KafkaProducer<String, SpecificRecord> events,
                            KafkaProducer<String, byte[]> raw) throws Exception {
            if (entry.blocking()) {
                String[] memory = entry.memory().split("/");
                events.send(new ProducerRecord<>(Topics.MEMORY_EVENTS.name(), entry.key(),
                        DeadLetterResolved.newBuilder().setEventId(UUID.randomUUID()).setTenantId(memory[0])
                                .setUserId(memory[1]).setRecordedAt(Instant.now().truncatedTo(ChronoUnit.MICROS))
                                .setMemoryId(UUID.fromString(memory[2]))
                                .setDeadLetterEventId(UUID.fromString(entry.eventId())).setAction(action())
                                .setOperator(operator).build())).get();
                return;
            }
            if (action() == DeadLetterAction.RETRY) {
                raw.send(new ProducerRecord<>(entry.sourceTopic(), entry.key(), entry.value())).get();
            }
            var headers = new RecordHeaders();
            DeadLetters.with(headers, DeadLetters.ERROR_CLASS, DeadLetterLog.CLI_RESOLVED);
            DeadLetters.with(headers, DeadLetters.RESOLVES, entry.id());
            DeadLetters.with(headers, DeadLetters.RESOLUTION, action().name());
            DeadLetters.with(headers, DeadLetters.REASON, action() + " by " + operator);
            DeadLetters.with(headers, DeadLetters.TIME, Instant.now());
            raw.send(new ProducerRecord<>(Topics.DEAD_LETTERS.name(), null, entry.key(), null, headers)).get();
        }

        private boolean confirm(PrintWriter out) throws java.io.IOException {
            out.print("Proceed? [y/N] ");
            out.flush();
            String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            return answer != null && answer.trim().equalsIgnoreCase("y");
        }

        private static Map<String, Object> producerProps(String bootstrap) {
            return KafkaClientSecurity.fromEnvironment().applyTo(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    bootstrap, ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Apply dead letters again (after fixing their cause), then what is parked behind them.")
    static final class Retry extends Decision {
        @Override
        DeadLetterAction action() {
            return DeadLetterAction.RETRY;
        }
    }

    @Command(name = "discard", mixinStandardHelpOptions = true,
            description = "Drop dead letters for good, then apply what is parked behind them.")
    static final class Discard extends Decision {
        @Override
        DeadLetterAction action() {
            return DeadLetterAction.DISCARD;
        }
    }
}
