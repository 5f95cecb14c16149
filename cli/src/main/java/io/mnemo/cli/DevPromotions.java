package io.mnemo.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@code mnemo db promote} (its own JVM) asks a running {@code mnemo dev} to fail its Postgres over: a request
 * file in a directory named by the environment file, answered by a result file. The dev process promotes with its
 * own devstack ({@code Devstack.promote}: the old primary fenced, the target caught up with the most advanced
 * standby, {@code postgres/current-primary} written, the other standbys re-pointed), so its supervisor restarts every
 * server in its new role, and it rewrites the environment file, so {@code mnemo status} names the new primary.
 */
final class DevPromotions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DevPromotions.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST = ".request.json";
    private static final String RESULT = ".result.json";
    private static final long POLL_MILLIS = 200;

    /** Promotes the standby at this index of the environment file's {@code postgres.replicas}; says what it did. */
    @FunctionalInterface
    interface Promoter {
        String promote(int replicaIndex) throws Exception;
    }

    /** What the dev process answered. */
    record Result(boolean ok, String message) {
    }

    private final Path dir;
    private final Promoter promoter;
    private final Thread desk;
    private volatile boolean closed;

    DevPromotions(Path dir, Promoter promoter) throws IOException {
        this.dir = Files.createDirectories(dir);
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir)) {
            // requests and answers of an earlier run that nobody serves or reads any more
            for (Path file : stale) {
                Files.deleteIfExists(file);
            }
        }
        this.promoter = promoter;
        this.desk = new Thread(this::serve, "mnemo-dev-promotions");
        this.desk.setDaemon(true);
    }

    DevPromotions start() {
        desk.start();
        return this;
    }

    private void serve() {
        while (!closed) {
            try (DirectoryStream<Path> requests = Files.newDirectoryStream(dir, "*" + REQUEST)) {
                for (Path request : requests) {
                    answer(request);
                }
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("promotion requests in {}", dir, e);
            }
        }
    }

    private void answer(Path request) throws IOException {
        String id = request.getFileName().toString().replace(REQUEST, "");
        JsonNode body;
        try {
            body = JSON.readTree(request.toFile());
            Files.delete(request);
        } catch (NoSuchFileException e) {
            return;
        }
        Result result;
        try {
            int replica = body.path("replica").asInt(1);
            LOG.info("promotion of replica {} requested by mnemo db promote", replica);
            result = new Result(true, promoter.promote(replica - 1));
        } catch (Exception e) {
            LOG.warn("requested promotion failed", e);
            result = new Result(false, e.getMessage() == null ? e.toString() : e.getMessage());
        }
        write(dir.resolve(id + RESULT), Map.of("ok", result.ok(), "message", result.message()));
    }

    /** Client side: asks the dev process serving {@code dir} to promote replica {@code replica} (from 1). */
    static Result request(Path dir, int replica, Duration timeout) throws IOException, InterruptedException {
        String id = UUID.randomUUID().toString();
        Path result = dir.resolve(id + RESULT);
        write(dir.resolve(id + REQUEST), Map.of("replica", replica));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(result)) {
            if (System.nanoTime() > deadline) {
                Files.deleteIfExists(dir.resolve(id + REQUEST));
                return new Result(false, "mnemo dev did not answer within " + timeout.toSeconds() + " s");
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        }
        JsonNode answer = JSON.readTree(result.toFile());
        Files.deleteIfExists(result);
        return new Result(answer.path("ok").asBoolean(), answer.path("message").asText());
    }

    private static void write(Path file, Map<String, Object> body) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), body);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        desk.interrupt();
        desk.join(5_000);
    }
}
