package io.mnemo.devstack;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Picks the stack's ports on 127.0.0.1. A persistent stack records them in {@code ports.properties} and gets the same
 * ports on the next run when they are still free, so URLs in a developer's tools keep working.
 */
final class Ports {

    static final String KAFKA = "kafka";
    static final String KAFKA_CONTROLLER = "kafka.controller";
    static final String SCHEMA_REGISTRY = "schema-registry";
    static final String POSTGRES_PRIMARY = "postgres.primary";
    static final String POSTGRES_REPLICA_1 = "postgres.replica-1";
    static final String S3 = "s3";

    private final Map<String, Integer> ports = new TreeMap<>();

    private Ports() {
    }

    /**
     * The name of Kafka node {@code nodeId}'s client port: {@code kafka} for node 1 (as a single-broker stack has
     * always recorded it), {@code kafka-2}, {@code kafka-3} ... for the others.
     */
    static String kafka(int nodeId) {
        return nodeId == 1 ? KAFKA : "kafka-" + nodeId;
    }

    /** The name of Kafka node {@code nodeId}'s controller port: {@code kafka.controller}, {@code kafka-2.controller}. */
    static String kafkaController(int nodeId) {
        return nodeId == 1 ? KAFKA_CONTROLLER : kafka(nodeId) + ".controller";
    }

    /**
     * The name of PostgreSQL server {@code index}'s port: {@code postgres.primary} for 0, {@code postgres.replica-1},
     * {@code postgres.replica-2} ... for the others (the names a one-replica stack has always recorded).
     */
    static String postgres(int index) {
        return "postgres." + PostgresCluster.serverName(index);
    }

    /** Allocates every port the stack needs, reusing the recorded ones of a persistent stack where possible. */
    static Ports allocate(DevstackOptions options) throws IOException {
        Path file = options.dataDir().resolve("ports.properties");
        Map<String, Integer> recorded = new TreeMap<>();
        if (options.keepData() && Files.exists(file)) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            properties.stringPropertyNames().forEach(name -> recorded.put(name,
                    Integer.parseInt(properties.getProperty(name).trim())));
        }
        Ports result = new Ports();
        Set<Integer> taken = new HashSet<>();
        List<String> names = new ArrayList<>(List.of(KAFKA, KAFKA_CONTROLLER, SCHEMA_REGISTRY, POSTGRES_PRIMARY,
                POSTGRES_REPLICA_1, S3));
        for (int node = 2; node <= options.brokers(); node++) {
            names.add(kafka(node));
            names.add(kafkaController(node));
        }
        for (int replica = 2; replica <= options.replicas(); replica++) {
            names.add(postgres(replica));
        }
        for (String name : names) {
            Integer wanted = recorded.get(name);
            int port = wanted != null && !taken.contains(wanted) && isFree(wanted) ? wanted : freePort(taken);
            taken.add(port);
            result.ports.put(name, port);
        }
        if (options.keepData()) {
            Properties properties = new Properties();
            result.ports.forEach((name, port) -> properties.setProperty(name, Integer.toString(port)));
            Files.createDirectories(file.getParent());
            try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                properties.store(writer, "ports of the Mnemo devstack; reused on the next start while they are free");
            }
        }
        return result;
    }

    int get(String name) {
        Integer port = ports.get(name);
        if (port == null) {
            throw new IllegalArgumentException("no port for " + name);
        }
        return port;
    }

    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort(Set<Integer> taken) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                int port = socket.getLocalPort();
                if (!taken.contains(port)) {
                    return port;
                }
            }
        }
        throw new IOException("no free port found on 127.0.0.1");
    }

    @Override
    public String toString() {
        return ports.toString();
    }
}
