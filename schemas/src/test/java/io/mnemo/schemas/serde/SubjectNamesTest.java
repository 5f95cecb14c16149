package io.mnemo.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mnemo.schemas.Topics;
import io.mnemo.schemas.changes.MemoryChanged;
import io.mnemo.schemas.events.MemoryCaptured;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class SubjectNamesTest {

    @Test
    void namesTheSubjectAfterTopicAndRecordFullNameLikeTopicRecordNameStrategy() {
        assertThat(SubjectNames.topicRecordName(Topics.MEMORY_EVENTS.name(), MemoryCaptured.getClassSchema()))
                .isEqualTo("mnemo.memory-events.v1-io.mnemo.schemas.events.MemoryCaptured");
        assertThat(SubjectNames.topicRecordName(Topics.MEMORY_CHANGES.name(), MemoryChanged.getClassSchema()))
                .isEqualTo("mnemo.memory-changes.v1-io.mnemo.schemas.changes.MemoryChanged");
    }

    @Test
    void givesEachEventTypeOnOneTopicItsOwnSubject() {
        String topic = Topics.MEMORY_EVENTS.name();

        assertThat(SubjectNames.topicRecordName(topic, MemoryCaptured.getClassSchema()))
                .isNotEqualTo(SubjectNames.topicRecordName(topic, MemoryChanged.getClassSchema()));
    }

    @Test
    void refusesSchemasThatAreNotRecords() {
        assertThatThrownBy(() -> SubjectNames.topicRecordName("t", Schema.create(Schema.Type.STRING)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("record");
    }
}
