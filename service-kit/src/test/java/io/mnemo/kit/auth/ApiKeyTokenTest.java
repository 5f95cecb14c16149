package io.mnemo.kit.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeyTokenTest {
    @Test
    void generatedKeysHaveThePrefixATwelveCharacterIdAndA256BitSecret() {
        ApiKeyToken token = ApiKeyToken.generate();

        assertThat(token.plaintext()).matches("mnemo_[a-z2-7]{12}_[A-Za-z0-9_-]{43}");
        assertThat(token.keyId()).hasSize(12);
        assertThat(token.plaintext()).startsWith("mnemo_" + token.keyId() + "_");
    }

    @Test
    void generatedKeysAreUnique() {
        Set<String> ids = new HashSet<>();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ApiKeyToken token = ApiKeyToken.generate();
            ids.add(token.keyId());
            keys.add(token.plaintext());
        }
        assertThat(ids).hasSize(1000);
        assertThat(keys).hasSize(1000);
    }

    @Test
    void parsingAGeneratedKeyGivesBackItsIdAndSecret() {
        ApiKeyToken token = ApiKeyToken.generate();

        ApiKeyToken parsed = ApiKeyToken.parse(token.plaintext()).orElseThrow();

        assertThat(parsed.keyId()).isEqualTo(token.keyId());
        assertThat(parsed.plaintext()).isEqualTo(token.plaintext());
        assertThat(parsed.secretHash()).isEqualTo(token.secretHash());
    }

    @Test
    void secretsContainingUnderscoresParseByPosition() {
        String key = "mnemo_abcdefgh2345_" + "_a-b_".repeat(8) + "xyz";

        assertThat(ApiKeyToken.parse(key)).map(ApiKeyToken::keyId).hasValue("abcdefgh2345");
    }

    @Test
    void malformedKeysDoNotParse() {
        String good = ApiKeyToken.generate().plaintext();

        assertThat(ApiKeyToken.parse(null)).isEmpty();
        assertThat(ApiKeyToken.parse("")).isEmpty();
        assertThat(ApiKeyToken.parse("garbage")).isEmpty();
        assertThat(ApiKeyToken.parse(good.substring(1))).isEmpty();
        assertThat(ApiKeyToken.parse(good + "x")).isEmpty();
        assertThat(ApiKeyToken.parse("other_" + good.substring(6))).isEmpty();
        assertThat(ApiKeyToken.parse(good.substring(0, 6) + "ABCDEFGH2345" + good.substring(18))).isEmpty();
        assertThat(ApiKeyToken.parse(good.substring(0, 18) + "-" + good.substring(19))).isEmpty();
        assertThat(ApiKeyToken.parse(good.substring(0, 20) + "+" + good.substring(21))).isEmpty();
    }

    @Test
    void theHashIsTheHexSha256OfTheSecret() {
        // SHA-256("abc"), FIPS 180-2 test vector
        assertThat(ApiKeyToken.hash("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(ApiKeyToken.generate().secretHash()).matches("[0-9a-f]{64}");
    }

    @Test
    void aTokenMatchesOnlyTheHashOfItsOwnSecret() {
        ApiKeyToken token = ApiKeyToken.generate();
        ApiKeyToken other = ApiKeyToken.generate();

        assertThat(token.matches(token.secretHash())).isTrue();
        assertThat(token.matches(other.secretHash())).isFalse();
        assertThat(token.matches(token.secretHash().substring(1))).isFalse();
        assertThat(token.matches("")).isFalse();
    }

    @Test
    void toStringNeverShowsTheSecret() {
        ApiKeyToken token = ApiKeyToken.generate();
        String secret = token.plaintext().substring(19);

        assertThat(token.toString()).doesNotContain(secret).contains(token.keyId());
    }

    @Test
    void keyIdsAreRecognised() {
        assertThat(ApiKeyToken.isKeyId(ApiKeyToken.generate().keyId())).isTrue();
        assertThat(ApiKeyToken.isKeyId("short")).isFalse();
        assertThat(ApiKeyToken.isKeyId("ABCDEFGHIJKL")).isFalse();
        assertThat(ApiKeyToken.isKeyId(null)).isFalse();
    }
}
