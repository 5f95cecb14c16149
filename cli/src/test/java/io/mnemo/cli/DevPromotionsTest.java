package io.mnemo.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevPromotionsTest {
    @TempDir
    Path dir;

    @Test
    void passesTheRequestedReplicaCountedFromOneAsAnIndexAndAnswersWithWhatThePromoterSaid() throws Exception {
        List<Integer> promoted = new CopyOnWriteArrayList<>();
        DevPromotions desk = new DevPromotions(dir, index -> {
            promoted.add(index);
            return "promoted replica at index " + index;
        }).start();
        try {
            DevPromotions.Result result = DevPromotions.request(dir, 2, Duration.ofSeconds(10));

            assertThat(result).isEqualTo(new DevPromotions.Result(true, "promoted replica at index 1"));
            assertThat(promoted).containsExactly(1);
        } finally {
            desk.close();
        }
        try (var left = Files.list(dir)) {
            assertThat(left).as("request and answer are consumed").isEmpty();
        }
    }

    @Test
    void answersAFailedPromotionWithItsReason() throws Exception {
        DevPromotions desk = new DevPromotions(dir, index -> {
            throw new IllegalStateException("replica-2 is not running; promote a running standby");
        }).start();
        try {
            DevPromotions.Result result = DevPromotions.request(dir, 1, Duration.ofSeconds(10));

            assertThat(result.ok()).isFalse();
            assertThat(result.message()).isEqualTo("replica-2 is not running; promote a running standby");
        } finally {
            desk.close();
        }
    }

    @Test
    void aRequestNobodyServesTimesOutAndIsWithdrawn() throws Exception {
        DevPromotions.Result result = DevPromotions.request(dir, 1, Duration.ofMillis(500));

        assertThat(result.ok()).isFalse();
        assertThat(result.message()).contains("did not answer");
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void dropsRequestsLeftByAnEarlierRunInsteadOfPromotingOnThem() throws Exception {
        Files.writeString(dir.resolve("stale.request.json"), "{\"replica\":1}");
        List<Integer> promoted = new CopyOnWriteArrayList<>();
        DevPromotions desk = new DevPromotions(dir, index -> {
            promoted.add(index);
            return "promoted";
        }).start();
        try {
            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(promoted::isEmpty);
        } finally {
            desk.close();
        }
    }
}
