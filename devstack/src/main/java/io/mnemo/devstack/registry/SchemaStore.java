package io.mnemo.devstack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry's state (schemas by global id, subjects with their versions, compatibility config), kept in
 * memory and made durable in the compacted Kafka topic {@value #TOPIC}, in the key/value layout Confluent's
 * registry uses there. Every change is written to Kafka before it becomes visible, and the state is rebuilt
 * from the topic on start, so ids survive restarts. An id is never handed out twice: records this registry cannot
 * apply (another registry's schema types, damaged values) still hold their ids and versions, and while one holds an
 * id that cannot be read no new id is handed out at all.
 *
 * <p>All methods are synchronized: this is a devstack component and a single lock keeps id allocation and
 * the write-then-apply order trivially correct. Several instances may share the topic; each catches up with
 * the topic before it writes, but concurrent writers are not coordinated (Confluent elects a leader for that).
 */
final class SchemaStore implements AutoCloseable {
    static final String TOPIC = "_schemas";
    static final CompatibilityLevel DEFAULT_GLOBAL_LEVEL = CompatibilityLevel.BACKWARD_TRANSITIVE;

    private static final Logger LOG = LoggerFactory.getLogger(SchemaStore.class);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
    /** An {@code "id": n} pair in the raw text of a record too damaged to parse as JSON. */
    private static final Pattern ID_IN_TEXT = Pattern.compile("\"id\"\\s*:\\s*\"?(\\d{1,10})\\b");

    private final ObjectMapper json = new ObjectMapper();
    private final Producer<String, String> producer;
    private final Consumer<String, String> consumer;

    /** Canonical schema text by global id, and the reverse, so one schema has one id across subjects. */
    private final Map<Integer, String> schemaById = new HashMap<>();
    private final Map<String, Integer> idBySchema = new HashMap<>();
    /** Subject → version → global id; sorted so listings are stable. */
    private final Map<String, TreeMap<Integer, Integer>> subjects = new TreeMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private CompatibilityLevel globalLevel = DEFAULT_GLOBAL_LEVEL;
    /** The highest schema id in the topic, in records this registry could not read too: new ids go above it. */
    private int maxId;
    /**
     * Subject → highest version any record of the topic holds, deleted and unreadable ones included. A version
     * is never written twice, so compaction can never drop the only record that holds an id.
     */
    private final Map<String, Integer> lastVersions = new HashMap<>();
    /** Offset of the first record that may hold a schema id that could not be read; -1 when there is none. */
    private long unknownIdAt = -1;

    private SchemaStore(Producer<String, String> producer, Consumer<String, String> consumer) {
        this.producer = producer;
        this.consumer = consumer;
    }

    /** Creates the topic if needed, waits for its leader and replays it into memory. */
    static SchemaStore open(String kafkaBootstrap) {
        ensureTopic(kafkaBootstrap);
        KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(kafkaBootstrap));
        KafkaConsumer<String, String> consumer = null;
        try {
            consumer = new KafkaConsumer<>(consumerProps(kafkaBootstrap));
            return replay(producer, consumer);
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            if (consumer != null) {
                consumer.close(CloseOptions.timeout(Duration.ZERO));
            }
            throw e;
        }
    }

    /** Replays {@value #TOPIC} from its start into a new store, which owns the clients from then on. */
    static SchemaStore replay(Producer<String, String> producer, Consumer<String, String> consumer) {
        consumer.assign(List.of(PARTITION));
        consumer.seekToBeginning(List.of(PARTITION));
        SchemaStore store = new SchemaStore(producer, consumer);
        synchronized (store) {
            int applied = store.catchUp();
            LOG.info("Schema registry state rebuilt from {}: {} records, {} schemas, {} subjects",
                    TOPIC, applied, store.schemaById.size(), store.subjects.size());
        }
        return store;
    }

    /** Parses and canonicalises a schema, so formatting differences never create new ids. */
    static Schema parse(String schemaText) {
        if (schemaText == null || schemaText.isBlank()) {
            throw new RegistryException(422, RegistryException.INVALID_SCHEMA, "Empty schema");
        }
        try {
            return new Schema.Parser().parse(schemaText);
        } catch (AvroRuntimeException | IllegalArgumentException e) {
            // SchemaParseException, AvroTypeException (a default that does not match its type), bad logical types
            throw new RegistryException(422, RegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage(), e);
        }
    }

    /** A registered version of a subject. */
    record Version(String subject, int version, int id, String schema) {
    }

    /**
     * Registers a schema under a subject: an already registered schema returns its existing id; a new one
     * must pass the subject's compatibility level and gets the schema's global id (new or shared).
     */
    synchronized int register(String subject, Schema schema) {
        catchUp(); // another instance may have written since we last looked
        String canonical = schema.toString();
        Optional<Version> existing = find(subject, canonical);
        if (existing.isPresent()) {
            return existing.get().id();
        }
        Optional<String> problem = effectiveLevel(subject).incompatibility(schema, history(subject));
        if (problem.isPresent()) {
            throw new RegistryException(409, RegistryException.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                            + "\" (" + effectiveLevel(subject) + "): " + problem.get());
        }
        Integer known = idBySchema.get(canonical);
        if (known == null && unknownIdAt >= 0) {
            throw new RegistryException(500, RegistryException.STORE_ERROR, "No new schema id can be assigned: "
                    + "the record at " + TOPIC + "@" + unknownIdAt + " could not be read and may hold an id that a "
                    + "new schema would then be given again; new ids are refused while that record is in the topic");
        }
        int id = known != null ? known : maxId + 1;
        int version = lastVersions.getOrDefault(subject, 0) + 1;
        ObjectNode key = json.createObjectNode()
                .put("keytype", "SCHEMA").put("subject", subject).put("version", version).put("magic", 1);
        ObjectNode value = json.createObjectNode()
                .put("subject", subject).put("version", version).put("id", id).put("schema", canonical)
                .put("deleted", false);
        write(key, value);
        applySchema(subject, version, id, canonical);
        return id;
    }

    /** The registration of exactly this schema under the subject. */
    synchronized Version lookup(String subject, Schema schema) {
        requireSubject(subject);
        return find(subject, schema.toString()).orElseThrow(() -> new RegistryException(404,
                RegistryException.SCHEMA_NOT_FOUND, "Schema not found under subject " + subject));
    }

    synchronized String schemaById(int id) {
        String schema = schemaById.get(id);
        if (schema == null) {
            throw new RegistryException(404, RegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return schema;
    }

    synchronized List<String> subjects() {
        return List.copyOf(subjects.keySet());
    }

    synchronized List<Integer> versions(String subject) {
        return List.copyOf(requireSubject(subject).keySet());
    }

    /** A version of a subject; empty {@code version} means the latest. */
    synchronized Version version(String subject, OptionalInt version) {
        TreeMap<Integer, Integer> versions = requireSubject(subject);
        int v = version.isPresent() ? version.getAsInt() : versions.lastKey();
        Integer id = versions.get(v);
        if (id == null) {
            throw new RegistryException(404, RegistryException.VERSION_NOT_FOUND,
                    "Version " + v + " not found for subject " + subject);
        }
        return new Version(subject, v, id, schemaById.get(id));
    }

    /**
     * Whether a schema could be registered: against the latest (with the subject's level deciding whether
     * older versions count too), or against one given version only. A subject without versions accepts
     * anything, as in Confluent's registry.
     */
    synchronized Optional<String> incompatibility(String subject, Schema schema, OptionalInt version) {
        CompatibilityLevel level = effectiveLevel(subject);
        if (version.isEmpty()) {
            return level.incompatibility(schema, history(subject));
        }
        Version against = version(subject, version);
        return level.incompatibility(schema, List.of(parse(against.schema())));
    }

    synchronized CompatibilityLevel globalLevel() {
        return globalLevel;
    }

    synchronized Optional<CompatibilityLevel> subjectLevel(String subject) {
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    /** Sets the global level ({@code subject == null}) or a subject's level. */
    synchronized void setLevel(String subject, CompatibilityLevel level) {
        catchUp();
        ObjectNode key = json.createObjectNode().put("keytype", "CONFIG");
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        key.put("magic", 0);
        write(key, json.createObjectNode().put("compatibilityLevel", level.name()));
        applyLevel(subject, level);
    }

    @Override
    public synchronized void close() {
        producer.close(Duration.ofSeconds(5));
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }

    private CompatibilityLevel effectiveLevel(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    private TreeMap<Integer, Integer> requireSubject(String subject) {
        TreeMap<Integer, Integer> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new RegistryException(404, RegistryException.SUBJECT_NOT_FOUND, "Subject " + subject + " not found");
        }
        return versions;
    }

    private Optional<Version> find(String subject, String canonical) {
        Integer id = idBySchema.get(canonical);
        TreeMap<Integer, Integer> versions = subjects.get(subject);
        if (id == null || versions == null) {
            return Optional.empty();
        }
        return versions.entrySet().stream()
                .filter(e -> e.getValue().equals(id))
                .findFirst()
                .map(e -> new Version(subject, e.getKey(), id, canonical));
    }

    /** The subject's schemas, newest first, as Avro's validators expect them. */
    private List<Schema> history(String subject) {
        TreeMap<Integer, Integer> versions = subjects.get(subject);
        List<Schema> history = new ArrayList<>();
        if (versions != null) {
            for (Integer id : versions.descendingMap().values()) {
                history.add(parse(schemaById.get(id)));
            }
        }
        return history;
    }

    private void write(ObjectNode key, ObjectNode value) {
        try {
            producer.send(new ProducerRecord<>(TOPIC, 0, key.toString(), value.toString()))
                    .get(KAFKA_TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(500, RegistryException.STORE_ERROR, "Interrupted while writing to " + TOPIC, e);
        } catch (ExecutionException | TimeoutException e) {
            // nothing was applied in memory, so the caller may simply retry
            throw new RegistryException(500, RegistryException.STORE_ERROR,
                    "Could not write to " + TOPIC + ": " + e.getMessage(), e);
        }
    }

    /** Reads the topic from our position to its current end; returns how many records were applied. */
    private int catchUp() {
        long end = consumer.endOffsets(List.of(PARTITION), KAFKA_TIMEOUT).get(PARTITION);
        long deadline = System.nanoTime() + KAFKA_TIMEOUT.toNanos();
        int applied = 0;
        while (consumer.position(PARTITION, KAFKA_TIMEOUT) < end) {
            if (System.nanoTime() > deadline) {
                throw new RegistryException(500, RegistryException.STORE_ERROR,
                        "Timed out reading " + TOPIC + " up to offset " + end);
            }
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                apply(record);
                applied++;
            }
        }
        return applied;
    }

    private void apply(ConsumerRecord<String, String> record) {
        try {
            applyReadable(record);
        } catch (Exception e) {
            skipUnreadable(record, e);
        }
    }

    private void applyReadable(ConsumerRecord<String, String> record) throws IOException {
        JsonNode key = json.readTree(record.key());
        String keyType = key.path("keytype").asText();
        if ("SCHEMA".equals(keyType)) {
            String subject = key.path("subject").asText();
            int version = key.path("version").asInt();
            if (record.value() == null) {
                removeVersion(subject, version);
                return;
            }
            lastVersions.merge(subject, version, Math::max);
            JsonNode value = json.readTree(record.value());
            int id = value.path("id").asInt();
            maxId = Math.max(maxId, id); // before the schema is parsed: an id stays taken even if that fails
            boolean deleted = value.path("deleted").asBoolean(false);
            if (deleted) {
                removeVersion(subject, version);
            }
            String canonical = parse(value.path("schema").asText()).toString();
            if (deleted) {
                // No longer a version of the subject, but its id still means this schema (as in Confluent's).
                schemaById.putIfAbsent(id, canonical);
                idBySchema.putIfAbsent(canonical, id);
            } else {
                applySchema(subject, version, id, canonical);
            }
        } else if ("CONFIG".equals(keyType)) {
            JsonNode value = record.value() == null ? null : json.readTree(record.value());
            String subject = key.path("subject").isTextual() ? key.path("subject").asText() : null;
            Optional<CompatibilityLevel> level = value == null ? Optional.empty()
                    : CompatibilityLevel.parse(value.path("compatibilityLevel").asText());
            if (level.isPresent()) {
                applyLevel(subject, level.get());
            } else if (subject != null) {
                subjectLevels.remove(subject);
            } else {
                globalLevel = DEFAULT_GLOBAL_LEVEL;
            }
        }
        // other key types (NOOP, MODE, ...) carry nothing this registry needs
    }

    /**
     * A record this registry cannot apply (a schema type it does not know, a damaged value, ...). Its id, if it
     * holds one, was handed out by whoever wrote it: it stays taken, and when it cannot be read at all, no new
     * id is handed out, since any could be the one it holds.
     */
    private void skipUnreadable(ConsumerRecord<String, String> record, Exception e) {
        OptionalInt id = idIn(record);
        if (id.isPresent()) {
            maxId = Math.max(maxId, id.getAsInt());
            LOG.warn("Skipping unreadable record at {}@{}; its schema id {} stays taken: {}", TOPIC, record.offset(),
                    id.getAsInt(), e.toString());
        } else if (mayHoldAnId(record)) {
            if (unknownIdAt < 0) {
                unknownIdAt = record.offset();
            }
            LOG.error("Unreadable record at {}@{} may hold a schema id that cannot be read; no new ids are handed "
                    + "out while it is in the topic: {}", TOPIC, record.offset(), e.toString());
        } else {
            LOG.warn("Skipping unreadable record at {}@{}: {}", TOPIC, record.offset(), e.toString());
        }
    }

    /** The schema id a record names, read as leniently as it can be: from the value's JSON, else from raw text. */
    private OptionalInt idIn(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return OptionalInt.empty();
        }
        try {
            JsonNode id = json.readTree(record.value()).path("id");
            if (id.isIntegralNumber() && id.canConvertToInt()) {
                return OptionalInt.of(id.intValue());
            }
        } catch (IOException | RuntimeException notJson) {
            // a damaged value: look for the id in the text itself
        }
        OptionalInt highest = OptionalInt.empty();
        String text = record.key() + "\n" + record.value();
        Matcher match = ID_IN_TEXT.matcher(text);
        while (match.find()) {
            if (match.end() == text.length()) {
                continue; // the value may have been cut off inside the number
            }
            try {
                int id = Integer.parseInt(match.group(1));
                highest = OptionalInt.of(Math.max(id, highest.orElse(id)));
            } catch (NumberFormatException tooLarge) {
                // not an int, so not a schema id
            }
        }
        return highest;
    }

    /** Whether a record could be a schema's: a value under a SCHEMA key, or under a key that cannot be read. */
    private boolean mayHoldAnId(ConsumerRecord<String, String> record) {
        if (record.value() == null) {
            return false;
        }
        try {
            String keyType = json.readTree(record.key()).path("keytype").asText("");
            return keyType.equals("SCHEMA") || keyType.isEmpty();
        } catch (IOException | RuntimeException unreadableKey) {
            return true;
        }
    }

    private void removeVersion(String subject, int version) {
        TreeMap<Integer, Integer> versions = subjects.get(subject);
        if (versions != null) {
            versions.remove(version);
        }
    }

    private void applySchema(String subject, int version, int id, String canonical) {
        schemaById.put(id, canonical);
        idBySchema.putIfAbsent(canonical, id);
        subjects.computeIfAbsent(subject, s -> new TreeMap<>()).put(version, id);
        lastVersions.merge(subject, version, Math::max);
        maxId = Math.max(maxId, id);
    }

    private void applyLevel(String subject, CompatibilityLevel level) {
        if (subject == null) {
            globalLevel = level;
        } else {
            subjectLevels.put(subject, level);
        }
    }

    private static void ensureTopic(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "mnemo-schema-registry-admin");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) KAFKA_TIMEOUT.toMillis());
        try (Admin admin = Admin.create(props)) {
            // the broker's default replication (3 on a three-node cluster) and min.insync.replicas: the schemas are
            // the one copy of every writer's schema, as replicated as the events that need them
            NewTopic topic = new NewTopic(TOPIC, Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", "compact"));
            try {
                admin.createTopics(List.of(topic)).all().get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                LOG.info("Created topic {}", TOPIC);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Could not create topic " + TOPIC + " on " + bootstrap, e.getCause());
                }
            }
            awaitLeader(admin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while preparing topic " + TOPIC, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out creating topic " + TOPIC + " on " + bootstrap, e);
        }
    }

    /** KAFKA-15591: producing before a new topic's leader is known can stall or lose a batch, so wait for it. */
    private static void awaitLeader(Admin admin) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + KAFKA_TIMEOUT.toNanos();
        while (true) {
            try {
                TopicDescription description = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                        .get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(TOPIC);
                if (description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("Could not describe topic " + TOPIC, e.getCause());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("No leader for " + TOPIC + " after " + KAFKA_TIMEOUT);
            }
            Thread.sleep(100);
        }
    }

    private static Properties producerProps(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "mnemo-schema-registry");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // KAFKA-15591: with more than one request in flight a batch can be lost right after topic creation
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) KAFKA_TIMEOUT.toMillis());
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) KAFKA_TIMEOUT.toMillis());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return props;
    }

    private static Properties consumerProps(String bootstrap) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "mnemo-schema-registry-reader");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return props;
    }
}
