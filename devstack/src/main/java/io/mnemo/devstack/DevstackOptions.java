package io.mnemo.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where a {@link Devstack} keeps its data and whether that data outlives the stack: ephemeral stacks (tests) live in a
 * temporary directory wiped on close, persistent ones (`mnemo dev`) keep data and ports between runs.
 *
 * @param dataDir     root of all state (Kafka log dirs, PostgreSQL data dirs, S3 objects, logs, ports)
 * @param keepData    {@code false} deletes {@code dataDir} when the stack is closed
 * @param mediaBucket the S3 bucket created at start for media objects
 * @param brokers     number of Kafka nodes (each a KRaft broker and controller): 1 for a plain stack, 3 for the
 *                    high-availability topology (replication factor 3, {@code min.insync.replicas=2})
 * @param replicas    number of PostgreSQL streaming replicas: 1 for a plain stack, 2 for the high-availability
 *                    topology (a commit is acknowledged once one of them has it, see {@link Devstack#promote(int)})
 * @param extraKafkaListeners listeners the (single) broker opens besides its own, each advertised at an address of
 *                    its own: a client that bootstraps through one is told that address for every broker, so a fault
 *                    proxy in front of it sees all of that client's traffic and no one else's (the chaos suite)
 */
public record DevstackOptions(Path dataDir, boolean keepData, String mediaBucket, int brokers, int replicas,
                              List<KafkaListener> extraKafkaListeners) {

    /**
     * A broker listener {@code NAME://127.0.0.1:port}, plaintext, advertised as {@code 127.0.0.1:advertisedPort}.
     *
     * @param name a listener name other than PLAINTEXT and CONTROLLER (upper case, e.g. {@code CHAOS})
     */
    public record KafkaListener(String name, int port, int advertisedPort) {
        public KafkaListener {
            Objects.requireNonNull(name, "name");
            if (!name.matches("[A-Z][A-Z0-9_]*") || name.equals("PLAINTEXT") || name.equals("CONTROLLER")) {
                throw new IllegalArgumentException("not a name for an extra listener: " + name);
            }
            if (port < 1 || port > 65535 || advertisedPort < 1 || advertisedPort > 65535) {
                throw new IllegalArgumentException("ports must be 1-65535: " + port + ", " + advertisedPort);
            }
        }
    }

    /** Bucket name used by the factory methods. */
    public static final String DEFAULT_MEDIA_BUCKET = "mnemo-media";

    /** Prefix of the temporary directories of ephemeral stacks; used to find leftovers of crashed runs. */
    static final String EPHEMERAL_PREFIX = "mnemo-devstack-";

    public DevstackOptions {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(mediaBucket, "mediaBucket");
        if (brokers < 1) {
            throw new IllegalArgumentException("a devstack needs at least one Kafka broker, not " + brokers);
        }
        if (replicas < 1) {
            throw new IllegalArgumentException("a devstack needs at least one PostgreSQL replica, not " + replicas);
        }
        extraKafkaListeners = List.copyOf(extraKafkaListeners);
        if (!extraKafkaListeners.isEmpty() && brokers != 1) {
            // every node would need a port of its own and a proxy per node; nothing needs that yet
            throw new IllegalArgumentException("extra Kafka listeners are for a single broker, not " + brokers);
        }
        dataDir = dataDir.toAbsolutePath().normalize();
    }

    /** Options with a single Kafka broker and one PostgreSQL replica. */
    public DevstackOptions(Path dataDir, boolean keepData, String mediaBucket) {
        this(dataDir, keepData, mediaBucket, 1, 1, List.of());
    }

    /** A stack in a fresh temporary directory that is deleted on close: for tests. */
    public static DevstackOptions ephemeral() {
        try {
            return new DevstackOptions(Files.createTempDirectory(EPHEMERAL_PREFIX), false, DEFAULT_MEDIA_BUCKET);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the devstack", e);
        }
    }

    /** A stack whose data and ports are kept in {@code dir} between runs (e.g. {@code ./.mnemo/} for `mnemo dev`). */
    public static DevstackOptions persistent(Path dir) {
        return new DevstackOptions(dir, true, DEFAULT_MEDIA_BUCKET);
    }

    /** The same options with another media bucket name. */
    public DevstackOptions withMediaBucket(String bucket) {
        return new DevstackOptions(dataDir, keepData, bucket, brokers, replicas, extraKafkaListeners);
    }

    /**
     * The same options with {@code count} Kafka nodes; {@code withBrokers(3)} is the high-availability topology. A
     * persistent stack keeps the data of a multi-node cluster apart from a single broker's, so switching between the
     * two starts the other topology with its own (possibly empty) topics.
     */
    public DevstackOptions withBrokers(int count) {
        return new DevstackOptions(dataDir, keepData, mediaBucket, count, replicas, extraKafkaListeners);
    }

    /**
     * The same options with {@code count} PostgreSQL streaming replicas ({@code replica-1} ... {@code replica-N});
     * {@code withReplicas(2)} is the high-availability topology. A persistent stack started with fewer replicas than
     * before leaves the extra ones' directories alone; started with more, it clones the new ones from the primary.
     */
    public DevstackOptions withReplicas(int count) {
        return new DevstackOptions(dataDir, keepData, mediaBucket, brokers, count, extraKafkaListeners);
    }

    /**
     * The same options with one more broker listener (see {@link KafkaListener}); the default stack has none, and
     * its clients, whichever listener they bootstrap through, are unaffected.
     */
    public DevstackOptions withExtraKafkaListener(KafkaListener listener) {
        List<KafkaListener> listeners = new java.util.ArrayList<>(extraKafkaListeners);
        listeners.add(listener);
        return new DevstackOptions(dataDir, keepData, mediaBucket, brokers, replicas, listeners);
    }
}
