package io.mnemo.devstack.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the store rebuilds itself from {@value SchemaStore#TOPIC}, on in-memory clients: whatever it cannot read,
 * a schema id once written to the topic is never handed out again.
 */
class SchemaStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TopicPartition PARTITION = new TopicPartition(SchemaStore.TOPIC, 0);
    /** A schema another registry (Confluent's, with Protobuf support) may have written to the shared topic. */
    private static final String PROTOBUF = "syntax = \"proto3\";\nmessage Other { string a = 1; }";

    private final MockProducer<String, String> producer = new MockProducer<>(true, null, new StringSerializer(),
            new StringSerializer());
    private final MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
    private final List<ConsumerRecord<String, String>> topic = new ArrayList<>();
    private SchemaStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void anIdInARecordWhoseSchemaCannotBeParsedIsNotHandedOutAgain() {
        written(key("a", 1), value("a", 1, 1, thing("a").toString()));
        written(key("b", 1), JSON.createObjectNode().put("subject", "b").put("version", 1).put("id", 2)
                .put("schemaType", "PROTOBUF").put("schema", PROTOBUF).put("deleted", false).toString());

        store = replay();

        assertThat(store.register("c", thing("c"))).isEqualTo(3);
        assertThat(store.schemaById(1)).isEqualTo(thing("a").toString());
    }

    @Test
    void anIdInARecordThatIsNotJsonIsNotHandedOutAgain() {
        written(key("a", 1), value("a", 1, 1, thing("a").toString()));
        String truncated = value("b", 1, 5, thing("b").toString());
        written(key("b", 1), truncated.substring(0, truncated.indexOf("\"schema\"") + 20));

        store = replay();

        assertThat(store.register("c", thing("c"))).isEqualTo(6);
    }

    @Test
    void theIdAndVersionOfASoftDeletedVersionAreNotHandedOutAgain() {
        written(key("a", 1), value("a", 1, 1, thing("a").toString()));
        written(key("a", 2), tree(value("a", 2, 2, withNote("a").toString())).put("deleted", true).toString());

        store = replay();

        assertThat(store.versions("a")).containsExactly(1);
        assertThat(store.register("c", thing("c"))).isEqualTo(3);
        // registered again, the deleted schema keeps its id (as in Confluent's registry) under a new version
        assertThat(store.register("a", withNote("a"))).isEqualTo(2);
        assertThat(lastWrittenKey().get("version").asInt()).isEqualTo(3);
    }

    @Test
    void theVersionOfAnUnreadableRecordIsNotWrittenAgainSoItsIdStaysInTheTopic() {
        written(key("a", 1), value("a", 1, 1, thing("a").toString()));
        written(key("a", 2), JSON.createObjectNode().put("subject", "a").put("version", 2).put("id", 7)
                .put("schemaType", "PROTOBUF").put("schema", PROTOBUF).toString());

        store = replay();

        assertThat(store.register("a", withNote("a"))).isEqualTo(8);
        // overwriting key (a, 2) would let compaction drop the only record that holds id 7
        assertThat(lastWrittenKey().get("version").asInt()).isEqualTo(3);
        assertThat(store.version("a", OptionalInt.empty()).version()).isEqualTo(3);
    }

    @Test
    void aSchemaRecordWhoseIdCannotBeReadStopsNewIdsButNotTheKnownOnes() {
        written(key("a", 1), value("a", 1, 1, thing("a").toString()));
        written(key("b", 1), "{\"subject\":\"b\",\"vers");

        store = replay();

        assertThatThrownBy(() -> store.register("c", thing("c")))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(500);
                    assertThat(e.errorCode()).isEqualTo(RegistryException.STORE_ERROR);
                    assertThat(e).hasMessageContaining(SchemaStore.TOPIC + "@1");
                });
        assertThat(producer.history()).isEmpty();
        assertThat(store.register("a", thing("a"))).isEqualTo(1);
        assertThat(store.register("other", thing("a"))).isEqualTo(1); // an existing id in a new subject
        assertThat(store.schemaById(1)).isEqualTo(thing("a").toString());
    }

    @Test
    void aRecordWithoutAKeyIsReadForItsIdToo() {
        written(key("a", 1), value("a", 1, 1, thing("a").toString()));
        written(null, value("b", 1, 4, PROTOBUF));

        store = replay();

        assertThat(store.register("c", thing("c"))).isEqualTo(5);
    }

    @Test
    void unreadableRecordsThatCannotHoldIdsAreSkipped() {
        written(key("a", 1), value("a", 1, 1, thing("a").toString()));
        written("{\"keytype\":\"CONFIG\",\"subject\":\"a\",\"magic\":0}", "not json");
        written("{\"keytype\":\"NOOP\",\"magic\":0}", "not json either");
        written("not a key", null);
        written(null, null);

        store = replay();

        assertThat(store.register("c", thing("c"))).isEqualTo(2);
    }

    private SchemaStore replay() {
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        consumer.updateEndOffsets(Map.of(PARTITION, (long) topic.size()));
        // records can only be added once the store has assigned the partition, i.e. at its first poll
        consumer.schedulePollTask(() -> topic.forEach(consumer::addRecord));
        return SchemaStore.replay(producer, consumer);
    }

    private void written(String key, String value) {
        topic.add(new ConsumerRecord<>(SchemaStore.TOPIC, 0, topic.size(), key, value));
    }

    private JsonNode lastWrittenKey() {
        return tree(producer.history().get(producer.history().size() - 1).key());
    }

    private static ObjectNode tree(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String key(String subject, int version) {
        return JSON.createObjectNode().put("keytype", "SCHEMA").put("subject", subject).put("version", version)
                .put("magic", 1).toString();
    }

    private static String value(String subject, int version, int id, String schema) {
        return JSON.createObjectNode().put("subject", subject).put("version", version).put("id", id)
                .put("schema", schema).put("deleted", false).toString();
    }

    private static Schema thing(String name) {
        return SchemaBuilder.record("Thing").namespace("test." + name).fields().requiredString("a").endRecord();
    }

    private static Schema withNote(String name) {
        return SchemaBuilder.record("Thing").namespace("test." + name).fields()
                .requiredString("a").optionalString("note").endRecord();
    }
}
