package io.mnemo.schemas.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MemorySealTest {
    private static final UUID MEMORY = UUID.fromString("7d9a1f3c-0000-4000-8000-000000000001");
    private final DataKey key = DataKey.generate();
    private final MemorySeal seal = MemorySeal.of(key, "t1", "alice", MEMORY);

    @Test
    void opensWhatItSealed() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("mood", "calm");
        attributes.put("place", "lake");

        assertThat(seal.openContent(seal.content("First day at the lake"))).isEqualTo("First day at the lake");
        assertThat(seal.openTags(seal.tags(List.of("family", "", "été")))).containsExactly("family", "", "été");
        assertThat(seal.openAttributes(seal.attributes(attributes))).isEqualTo(attributes);
    }

    @Test
    void theSealedBytesHoldNoWordOfTheContent() {
        ByteBuffer sealed = seal.content("First day at the lake");

        assertThat(new String(bytes(sealed), StandardCharsets.ISO_8859_1)).doesNotContain("lake");
    }

    @Test
    void sealsDeterministicallySoARetriedEventHasTheSameBytes() {
        assertThat(seal.content("same words")).isEqualTo(seal.content("same words"));
        assertThat(seal.attributes(Map.of("a", "1", "b", "2")))
                .isEqualTo(seal.attributes(new java.util.TreeMap<>(Map.of("b", "2", "a", "1")).descendingMap()));
        assertThat(seal.content("same words")).isNotEqualTo(seal.content("other words"));
    }

    @Test
    void bytesDoNotOpenForAnotherMemoryFieldOrKey() {
        ByteBuffer sealed = seal.content("private");

        assertThatThrownBy(() -> MemorySeal.of(key, "t1", "alice", UUID.randomUUID()).openContent(sealed))
                .isInstanceOf(SealingException.class);
        assertThatThrownBy(() -> MemorySeal.of(key, "t1", "bob", MEMORY).openContent(sealed))
                .isInstanceOf(SealingException.class);
        assertThatThrownBy(() -> MemorySeal.of(DataKey.generate(), "t1", "alice", MEMORY).openContent(sealed))
                .isInstanceOf(SealingException.class);
        assertThatThrownBy(() -> seal.openTags(sealed)).isInstanceOf(SealingException.class);
    }

    @Test
    void alteredBytesDoNotOpen() {
        byte[] sealed = bytes(seal.content("private"));
        sealed[sealed.length - 1] ^= 1;

        assertThatThrownBy(() -> seal.openContent(ByteBuffer.wrap(sealed))).isInstanceOf(SealingException.class);
    }

    @Test
    void theMasterKeyUnwrapsADataKeyOnlyForItsOwner() {
        MasterKey master = MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));
        byte[] wrapped = master.wrap(key, "t1", "alice");

        assertThat(master.unwrap(wrapped, "t1", "alice").sameAs(key)).isTrue();
        assertThatThrownBy(() -> master.unwrap(wrapped, "t1", "bob")).isInstanceOf(SealingException.class);
        MasterKey other = MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'B'));
        assertThatThrownBy(() -> other.unwrap(wrapped, "t1", "alice")).isInstanceOf(SealingException.class);
        assertThat(master.toString()).doesNotContain(Base64.getEncoder().encodeToString(new byte[32]));
    }

    @Test
    void refusesAMasterKeyThatIsNot32Bytes() {
        assertThatThrownBy(() -> MasterKey.fromBase64(Base64.getEncoder().encodeToString(new byte[16])))
                .hasMessageContaining("32 bytes");
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy;
    }
}
