package io.mnemo.devstack;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The devstack's Kafka: one KRaft node, or several whose every node is a broker and a voter of a static controller
 * quorum (three for the high-availability topology: replication factor 3, {@code min.insync.replicas=2}).
 *
 * <p>A single node keeps its data in {@code kafka/} and logs to {@code logs/kafka.log}, as the devstack always has;
 * the nodes of a cluster use {@code kafka-1/}, {@code kafka-2/} ... and {@code logs/kafka-1.log} ..., so a persistent
 * stack never mixes a single broker's topics (replication factor 1) into a cluster or the other way round.
 */
final class KafkaCluster {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaCluster.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final List<KafkaBroker> nodes;

    /** {@code extraListeners}: on the (single) node besides its own, see {@link DevstackOptions.KafkaListener}. */
    KafkaCluster(Path dataDir, Path logsDir, Ports ports, int size,
                 List<DevstackOptions.KafkaListener> extraListeners) {
        String voters = IntStream.rangeClosed(1, size)
                .mapToObj(id -> id + "@127.0.0.1:" + ports.get(Ports.kafkaController(id)))
                .collect(Collectors.joining(","));
        String clusterId = clusterId(dataDir, size);
        List<KafkaBroker> brokers = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            String name = nodeName(id, size);
            brokers.add(new KafkaBroker(name, id, dataDir.resolve(name), logsDir, ports.get(Ports.kafka(id)),
                    ports.get(Ports.kafkaController(id)), voters, size, clusterId, extraListeners));
        }
        this.nodes = List.copyOf(brokers);
    }

    /** {@code kafka} for a single node (its data and log keep their old names), {@code kafka-ID} in a cluster. */
    static String nodeName(int nodeId, int size) {
        return size == 1 ? "kafka" : "kafka-" + nodeId;
    }

    /** Every node, ordered by node id. */
    List<KafkaBroker> nodes() {
        return nodes;
    }

    /** Node 1 (the only one of a single-node stack). */
    KafkaBroker first() {
        return nodes.get(0);
    }

    /** Every node's address, comma-separated. */
    String bootstrap() {
        return nodes.stream().map(KafkaBroker::bootstrap).collect(Collectors.joining(","));
    }

    /**
     * Starts every node and waits until the cluster serves requests with all its brokers registered and a live
     * leader for every partition. The nodes of a cluster start together: none serves before a majority of the
     * controller voters runs.
     */
    void start() {
        if (nodes.size() == 1) {
            first().start();
            return;
        }
        List<CompletableFuture<Void>> starts = nodes.stream()
                .map(node -> CompletableFuture.runAsync(node::start, runnable -> {
                    Thread thread = new Thread(runnable, "devstack-start-" + node.name());
                    thread.setDaemon(true);
                    thread.start();
                }))
                .toList();
        try {
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
            awaitClusterReady();
        } catch (CompletionException | IllegalStateException e) {
            // a node that did start would wait forever for the quorum of a retry: start again from nothing
            nodes.forEach(KafkaBroker::kill);
            throw e instanceof CompletionException && e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * Stops every node gracefully, all at once: stopped one after the other, the last node would have no quorum to
     * approve its controlled shutdown and would wait for it until killed.
     */
    void stop() {
        List<CompletableFuture<Void>> stops = nodes.stream()
                .map(node -> CompletableFuture.runAsync(node::stop, runnable -> {
                    Thread thread = new Thread(runnable, "devstack-stop-" + node.name());
                    thread.setDaemon(true);
                    thread.start();
                }))
                .toList();
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    }

    private void awaitClusterReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        Exception last = null;
        try (Admin admin = Admin.create(config)) {
            while (System.nanoTime() < deadline) {
                try {
                    int registered = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
                    if (registered == nodes.size() && KafkaBroker.isReady(admin, first().nodeId())) {
                        return;
                    }
                } catch (Exception e) {
                    last = e;
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the Kafka cluster", e);
        }
        throw new IllegalStateException("the Kafka cluster at " + bootstrap() + " did not have " + nodes.size()
                + " brokers and a leader for every partition within " + READY_TIMEOUT, last);
    }

    /**
     * The id the nodes were formatted with (a node wiped by hand is formatted again with it), or a new one for a
     * fresh cluster: what {@code kafka-storage random-uuid} prints, without paying for a JVM start.
     */
    private static String clusterId(Path dataDir, int size) {
        Map<String, String> ids = new TreeMap<>();
        for (int id = 1; id <= size; id++) {
            Path meta = dataDir.resolve(nodeName(id, size)).resolve("data").resolve("meta.properties");
            if (Files.exists(meta)) {
                Properties properties = new Properties();
                try (Reader reader = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
                    properties.load(reader);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + meta, e);
                }
                ids.put(nodeName(id, size), properties.getProperty("cluster.id"));
            }
        }
        List<String> distinct = ids.values().stream().distinct().toList();
        if (distinct.size() > 1) {
            throw new IllegalStateException("the Kafka nodes in " + dataDir + " belong to different clusters " + ids
                    + ": delete their directories to start afresh");
        }
        if (distinct.isEmpty()) {
            return Uuid.randomUuid().toString();
        }
        LOG.debug("Kafka nodes {} formatted with cluster id {}", ids.keySet(), distinct.get(0));
        return distinct.get(0);
    }
}
