package io.mnemo.ingest.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.mnemo.devstack.DevstackExtension;
import io.mnemo.devstack.S3Endpoint;
import io.mnemo.ingest.IngestApplication;
import io.mnemo.ingest.IngestConfiguration;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.schemas.events.MediaStaged;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Media uploads on the devstack: bytes in S3 at the attempt's staging key, the MediaStaged event in Kafka, refusals
 * clean.
 */
@ExtendWith({DevstackExtension.class, DropwizardExtensionsSupport.class})
class MediaUploadIT {
    private static final String TENANT = "media-it";
    private static final long MIB = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    // The JDK client, not Dropwizard's: the latter silently retries a 503 that carries Retry-After.
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static final DropwizardAppExtension<IngestConfiguration> APP = IngestApiIT.IngestTestApp.create("media-it");
    /** The same service with its S3 endpoint on a port nobody listens on. */
    static final DropwizardAppExtension<IngestConfiguration> S3_DOWN = s3DownApp("media-s3-down-it");

    private static String key;
    private static S3Client s3;

    @BeforeAll
    static void setUp() {
        key = TestKeys.createUnthrottled(TENANT, Scopes.MEDIA_WRITE, Scopes.MEMORIES_WRITE);
        S3Endpoint endpoint = DevstackExtension.devstack().s3();
        s3 = S3Client.builder().endpointOverride(URI.create(endpoint.endpoint())).region(Region.of(endpoint.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(endpoint.accessKey(), endpoint.secretKey())))
                .forcePathStyle(true).build();
    }

    @AfterAll
    static void tearDown() {
        s3.close();
    }

    @Test
    void a20MiBUploadLandsAtTheStagingKeyWithTheReportedHashAndSizeAndIsAnnouncedInKafka() throws Exception {
        String user = "u-" + UUID.randomUUID();
        long size = 20 * MIB + 12_345;
        // streamed from a generator without Content-Length (chunked): neither side holds the whole body
        HttpResponse<String> response = upload(APP, user, "image/png", null,
                HttpRequest.BodyPublishers.ofInputStream(() -> new PngLikeStream(size)));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode body = JSON.readTree(response.body());
        String mediaId = body.get("mediaId").asText();
        String sha256 = sha256(new PngLikeStream(size));
        assertThat(mediaId).matches("med_[0-9a-f]{32}");
        assertThat(body.get("sha256").asText()).isEqualTo(sha256);
        assertThat(body.get("size").asLong()).isEqualTo(size);
        assertThat(body.get("contentType").asText()).isEqualTo("image/png");
        assertThat(response.headers().firstValue("Location")).hasValueSatisfying(
                location -> assertThat(location).endsWith("/v1/users/" + user + "/media/" + mediaId));

        // the only object of the user: this attempt's, under the media id
        assertThat(stagedUnder(user)).singleElement().satisfies(
                k -> assertThat(k).matches(prefix(user) + mediaId + "/[0-9a-f]{16}"));
        String stagingKey = stagedUnder(user).get(0);
        HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket()).key(stagingKey));
        assertThat(head.contentLength()).isEqualTo(size);
        assertThat(head.contentType()).isEqualTo("image/png");
        try (ResponseInputStream<GetObjectResponse> stored = s3.getObject(b -> b.bucket(bucket()).key(stagingKey))) {
            assertThat(sha256(stored)).isEqualTo(sha256);
        }

        MediaStaged event = await().atMost(Duration.ofSeconds(30)).until(() -> mediaStaged(user), Optional::isPresent)
                .orElseThrow();
        assertThat(event.getTenantId()).isEqualTo(TENANT);
        assertThat(event.getMediaId()).isEqualTo(mediaId);
        assertThat(event.getSha256()).isEqualTo(sha256);
        assertThat(event.getSize()).isEqualTo(size);
        assertThat(event.getContentType()).isEqualTo("image/png");
        assertThat(event.getBucket()).isEqualTo(bucket());
        assertThat(event.getStagingKey()).isEqualTo(stagingKey);
    }

    @Test
    void smallTextIsStagedWithASingleRequestAndItsContentTypeSniffed() throws Exception {
        String user = "u-" + UUID.randomUUID();
        HttpResponse<String> response = upload(APP, user, null, null,
                HttpRequest.BodyPublishers.ofString("Walked by the river. ✓", StandardCharsets.UTF_8));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(JSON.readTree(response.body()).get("contentType").asText()).isEqualTo("text/plain");
        assertThat(JSON.readTree(response.body()).get("size").asLong())
                .isEqualTo("Walked by the river. ✓".getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void anUploadGrowingPastTheCapIs413AndLeavesNoObjectNorParts() throws Exception {
        String user = "u-" + UUID.randomUUID();
        HttpResponse<String> response = upload(APP, user, "image/png", null,
                HttpRequest.BodyPublishers.ofInputStream(() -> new PngLikeStream(26 * MIB)));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(problemType(response)).isEqualTo("urn:mnemo:problem:payload-too-large");
        assertThat(stagedUnder(user)).isEmpty();
        assertThat(s3.listMultipartUploads(b -> b.bucket(bucket()).prefix(prefix(user))).uploads()).isEmpty();
        assertThat(mediaStaged(user)).isEmpty();
    }

    @Test
    void aDeclaredLengthAboveTheCapIs413BeforeTheBodyIsRead() throws Exception {
        String user = "u-" + UUID.randomUUID();
        // A raw socket: the answer must come while the client has sent only the headers and a first chunk of the
        // body. (The JDK client's Expect: 100-continue support hangs on a final status instead of 100 on JDK 17.)
        try (Socket socket = new Socket("127.0.0.1", APP.getLocalPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/users/" + user + "/media HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + key + "\r\nContent-Type: image/png\r\n"
                    + "Content-Length: " + 30 * MIB + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new PngLikeStream(1024).readAllBytes());
            out.flush();
            String answer = readResponse(socket.getInputStream());

            assertThat(answer).startsWith("HTTP/1.1 413").contains("urn:mnemo:problem:payload-too-large");
        }
        assertThat(stagedUnder(user)).isEmpty();
    }

    @Test
    void disguisedFilesAre415AndLeaveNothing() throws Exception {
        String user = "u-" + UUID.randomUUID();
        byte[] exe = Arrays.copyOf(new byte[] {'M', 'Z', (byte) 0x90, 0, 3, 0, 0, 0, 4, 0}, 64 * 1024);
        byte[] pdf = "%PDF-1.7\n%âãÏÓ\n1 0 obj\n".getBytes(StandardCharsets.ISO_8859_1);

        for (byte[] disguised : List.of(exe, pdf)) {
            HttpResponse<String> response = upload(APP, user, "image/png", null,
                    HttpRequest.BodyPublishers.ofByteArray(disguised));

            assertThat(response.statusCode()).isEqualTo(415);
            assertThat(problemType(response)).isEqualTo("urn:mnemo:problem:unsupported-media-type");
        }
        // text that turns binary after the sniffed head, bigger than one part: found while streaming, upload aborted
        HttpResponse<String> lateBinary = upload(APP, user, "text/plain", null,
                HttpRequest.BodyPublishers.ofInputStream(() -> new TextThenNul(9 * MIB)));
        assertThat(lateBinary.statusCode()).isEqualTo(415);

        assertThat(stagedUnder(user)).isEmpty();
        assertThat(s3.listMultipartUploads(b -> b.bucket(bucket()).prefix(prefix(user))).uploads()).isEmpty();
        assertThat(mediaStaged(user)).isEmpty();
    }

    @Test
    void anEmptyBodyIs422() throws Exception {
        HttpResponse<String> response = upload(APP, "u-" + UUID.randomUUID(), "image/png", null,
                HttpRequest.BodyPublishers.noBody());

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(problemType(response)).isEqualTo("urn:mnemo:problem:validation-failed");
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyGetsTheSameMediaId() throws Exception {
        String user = "u-" + UUID.randomUUID();
        String first = mediaId(upload(APP, user, "image/png", "photo-1", png(70_000)));
        String retry = mediaId(upload(APP, user, "image/png", "photo-1", png(70_000)));
        String other = mediaId(upload(APP, user, "image/png", "photo-2", png(70_000)));

        assertThat(retry).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        // one object per attempt: two under the retried media id, one under the other
        assertThat(stagedUnder(user)).hasSize(3);
        assertThat(stagedUnder(user, first)).hasSize(2);
        assertThat(stagedUnder(user, other)).hasSize(1);
    }

    @Test
    void aRetryWithTheSameKeyNeverTouchesTheObjectOfAnEarlierUpload() throws Exception {
        String user = "u-" + UUID.randomUUID();
        HttpResponse<String> first = upload(APP, user, "image/png", "photo-k", png(70_000));
        String mediaId = mediaId(first);
        String firstSha256 = JSON.readTree(first.body()).get("sha256").asText();
        assertThat(firstSha256).isEqualTo(sha256(new PngLikeStream(70_000)));

        // the same key with different bytes: a new attempt, never an overwrite of the first one's object
        HttpResponse<String> second = upload(APP, user, "image/png", "photo-k", png(80_000));
        assertThat(mediaId(second)).isEqualTo(mediaId);
        String secondSha256 = JSON.readTree(second.body()).get("sha256").asText();
        assertThat(secondSha256).isNotEqualTo(firstSha256);

        List<String> objects = stagedUnder(user, mediaId);
        assertThat(stagedUnder(user)).containsExactlyInAnyOrderElementsOf(objects);
        assertThat(objects).hasSize(2).allSatisfy(k -> assertThat(k).matches(prefix(user) + mediaId + "/[0-9a-f]{16}"));
        List<String> hashes = new ArrayList<>();
        for (String objectKey : objects) {
            try (ResponseInputStream<GetObjectResponse> stored = s3.getObject(b -> b.bucket(bucket()).key(objectKey))) {
                hashes.add(sha256(stored));
            }
        }
        assertThat(hashes).containsExactlyInAnyOrder(firstSha256, secondSha256);
    }

    @Test
    void memoriesMayReferenceOnlyTheirOwnUsersMedia() throws Exception {
        String alice = "u-" + UUID.randomUUID();
        String bob = "u-" + UUID.randomUUID();
        String alicesPhoto = mediaId(upload(APP, alice, null, null, png(1000)));

        assertThat(captureMemory(alice, alicesPhoto).statusCode()).isEqualTo(202);
        HttpResponse<String> foreign = captureMemory(bob, alicesPhoto);
        assertThat(foreign.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(foreign.body()).get("errors").get(0).get("field").asText()).isEqualTo("mediaIds");
        assertThat(captureMemory(alice, "med_" + "0".repeat(32)).statusCode()).isEqualTo(422);
    }

    @Test
    void aKeyWithoutTheMediaScopeIsForbidden() throws Exception {
        String memoriesOnly = TestKeys.createUnthrottled(TENANT, Scopes.MEMORIES_WRITE);
        HttpRequest request = HttpRequest.newBuilder(uri(APP, "u-1"))
                .header("Authorization", "Bearer " + memoriesOnly)
                .POST(png(100)).build();

        assertThat(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
    }

    @Test
    void whenS3IsUnreachableTheUploadIs503WithRetryAfterAndNothingIsRegistered() throws Exception {
        String user = "u-" + UUID.randomUUID();
        long started = System.nanoTime();
        HttpResponse<String> response = upload(S3_DOWN, user, "image/png", "down-1", png(100_000));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(problemType(response)).isEqualTo("urn:mnemo:problem:media-storage-unavailable");
        assertThat(response.headers().firstValue("Retry-After")).hasValue("2");
        assertThat(took).isLessThan(Duration.ofSeconds(15));
        assertThat(mediaStaged(user)).isEmpty();
        // the healthy instance stages the same upload fine afterwards
        assertThat(upload(APP, user, "image/png", "down-1", png(100_000)).statusCode()).isEqualTo(201);
    }

    private static HttpRequest.Builder request(DropwizardAppExtension<IngestConfiguration> app, String user,
                                               String contentType, String idempotencyKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(app, user))
                .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(60));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request;
    }

    private static HttpResponse<String> upload(DropwizardAppExtension<IngestConfiguration> app, String user,
                                               String contentType, String idempotencyKey,
                                               HttpRequest.BodyPublisher body) throws Exception {
        // bounded: a test must fail, not hang, if an answer never comes
        return HTTP.sendAsync(request(app, user, contentType, idempotencyKey).POST(body).build(),
                HttpResponse.BodyHandlers.ofString()).get(90, TimeUnit.SECONDS);
    }

    private static HttpResponse<String> captureMemory(String user, String mediaId) throws Exception {
        String body = JSON.writeValueAsString(Map.of("occurredAt", "2026-10-01T08:00:00Z", "content", "with a photo",
                "mediaIds", List.of(mediaId)));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + APP.getLocalPort()
                        + "/v1/users/" + user + "/memories"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(DropwizardAppExtension<IngestConfiguration> app, String user) {
        return URI.create("http://127.0.0.1:" + app.getLocalPort() + "/v1/users/" + user + "/media");
    }

    private static String mediaId(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body()).get("mediaId").asText();
    }

    private static String problemType(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        return JSON.readTree(response.body()).get("type").asText();
    }

    private static HttpRequest.BodyPublisher png(int size) {
        return HttpRequest.BodyPublishers.ofInputStream(() -> new PngLikeStream(size));
    }

    private static String bucket() {
        return DevstackExtension.devstack().s3().bucket();
    }

    private static String prefix(String user) {
        return "staging/" + TENANT + "/" + user + "/";
    }

    private static List<String> stagedUnder(String user) {
        return listed(prefix(user));
    }

    /** The objects of every attempt of one media id. */
    private static List<String> stagedUnder(String user, String mediaId) {
        return listed(prefix(user) + mediaId + "/");
    }

    private static List<String> listed(String prefix) {
        return s3.listObjectsV2(b -> b.bucket(bucket()).prefix(prefix)).contents().stream()
                .map(S3Object::key).toList();
    }

    /** The MediaStaged event of a user, read from the start of the event log to its end. */
    private static Optional<MediaStaged> mediaStaged(String user) {
        List<MediaStaged> found = IngestApiIT.eventsOfUser(user, MediaStaged.class);
        assertThat(found).as("at most one MediaStaged per user in these tests").hasSizeLessThanOrEqualTo(1);
        return found.stream().findFirst();
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Reads a raw HTTP answer up to the end of its JSON body (or the end of the connection). */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder answer = new StringBuilder();
        byte[] buffer = new byte[4096];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            answer.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            int bodyStart = answer.indexOf("\r\n\r\n");
            if (bodyStart >= 0 && answer.toString().trim().endsWith("}")) {
                break;
            }
        }
        return answer.toString();
    }

    /**
     * Built here rather than with IngestTestApp plus an extra endpoint override: Dropwizard keeps overrides in a
     * Set, so two overrides of one key apply in no defined order.
     */
    private static DropwizardAppExtension<IngestConfiguration> s3DownApp(String prefix) {
        var devstack = DevstackExtension.devstack();
        var pg = devstack.primary();
        TestKeys.migrate();
        S3Endpoint s3 = devstack.s3();
        return new DropwizardAppExtension<>(IngestApplication.class, "ingest-api.yml", prefix,
                ConfigOverride.config(prefix, "kafka.bootstrapServers", devstack.kafkaBootstrap()),
                ConfigOverride.config(prefix, "kafka.schemaRegistryUrl", devstack.schemaRegistryUrl()),
                ConfigOverride.config(prefix, "database.url", pg.jdbcUrl()),
                ConfigOverride.config(prefix, "database.user", "mnemo_ingest"),
                ConfigOverride.config(prefix, "database.password", pg.password() == null ? "" : pg.password()),
                ConfigOverride.config(prefix, "server.applicationConnectors[0].port", "0"),
                ConfigOverride.config(prefix, "server.adminConnectors[0].port", "0"),
                ConfigOverride.config(prefix, "media.s3.endpoint", "http://127.0.0.1:" + closedPort()),
                ConfigOverride.config(prefix, "media.s3.connectTimeout", "500ms"),
                ConfigOverride.config(prefix, "media.s3.region", s3.region()),
                ConfigOverride.config(prefix, "media.s3.bucket", s3.bucket()),
                ConfigOverride.config(prefix, "media.s3.accessKey", s3.accessKey()),
                ConfigOverride.config(prefix, "media.s3.secretKey", s3.secretKey()));
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A PNG signature followed by deterministic pseudo-random bytes, generated as read (flat memory). */
    static final class PngLikeStream extends InputStream {
        private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
        private final long size;
        private long position;
        private long state = 0x9E3779B97F4A7C15L;

        PngLikeStream(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - position);
            for (int i = 0; i < n; i++, position++) {
                if (position < SIGNATURE.length) {
                    b[off + i] = SIGNATURE[(int) position];
                } else {
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    b[off + i] = (byte) state;
                }
            }
            return n;
        }
    }

    /** ASCII text with a NUL near its end: looks like text to the sniffer, turns out not to be. */
    static final class TextThenNul extends InputStream {
        private final long size;
        private long position;

        TextThenNul(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            if (position >= size) {
                return -1;
            }
            return position++ == size - 10 ? 0 : 'a' + (int) (position % 26);
        }
    }
}
