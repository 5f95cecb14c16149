package io.mnemo.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka node of the devstack: a KRaft broker and controller combined in a child JVM, alone or one of a cluster
 * whose nodes are all controller voters. Fault tests can stop it gracefully, kill it with SIGKILL and start it again
 * on the same port and data directory.
 */
public final class KafkaBroker {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
    private static final String CLASSPATH_RESOURCE = "io/mnemo/devstack/kafka-broker.classpath";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final String name;
    private final int nodeId;
    private final Path kafkaDir;
    private final Path logsDir;
    private final int port;
    private final int controllerPort;
    private final String quorumVoters;
    private final int clusterSize;
    private final String clusterId;
    private final List<DevstackOptions.KafkaListener> extraListeners;
    private Process process;

    /**
     * @param name         {@code kafka} for a single broker, {@code kafka-1} ... in a cluster: the log file's name
     * @param quorumVoters {@code controller.quorum.voters} of the whole cluster (a static quorum)
     * @param clusterSize  the number of nodes, which sets the replication defaults
     * @param clusterId    the id every node's storage is formatted with
     * @param extraListeners listeners besides PLAINTEXT and CONTROLLER, each advertised at its own address
     */
    KafkaBroker(String name, int nodeId, Path kafkaDir, Path logsDir, int port, int controllerPort,
                String quorumVoters, int clusterSize, String clusterId,
                List<DevstackOptions.KafkaListener> extraListeners) {
        this.name = name;
        this.nodeId = nodeId;
        this.kafkaDir = kafkaDir;
        this.logsDir = logsDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.quorumVoters = quorumVoters;
        this.clusterSize = clusterSize;
        this.clusterId = clusterId;
        this.extraListeners = List.copyOf(extraListeners);
    }

    /** {@code kafka} for a single broker; {@code kafka-1}, {@code kafka-2} ... for the nodes of a cluster. */
    public String name() {
        return name;
    }

    /** The node's {@code node.id}, 1 to the cluster's size. */
    public int nodeId() {
        return nodeId;
    }

    /** This node's own address, {@code 127.0.0.1:PORT}; a cluster's bootstrap lists every node's. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** Whether the broker's process is alive (it may still be starting). */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Starts the broker (formatting its storage on first use) and waits until it serves requests and every
     * existing partition has a live leader. Does nothing when it is running already. A node of a cluster serves only
     * once a majority of the controller voters runs: start the nodes of a fresh cluster together.
     */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        try {
            String classpath = ChildJvm.classpathResource(CLASSPATH_RESOURCE);
            Path serverProperties = writeConfig();
            formatStorageIfNeeded(classpath, serverProperties);
            // the nodes of a cluster share the machine with each other and the services: a smaller heap each
            List<String> jvm = new ArrayList<>(clusterSize == 1 ? List.of("-Xms256m", "-Xmx768m")
                    : List.of("-Xms128m", "-Xmx384m"));
            jvm.addAll(List.of(
                    "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                    "-Djava.awt.headless=true",
                    "-Dlog4j2.configurationFile=" + kafkaDir.resolve("log4j2.xml"),
                    "-Dkafka.logs.dir=" + logsDir));
            process = ChildJvm.start(classpath, jvm, "kafka.Kafka", List.of(serverProperties.toString()),
                    logsDir.resolve(name + ".out"));
            try {
                awaitReady();
            } catch (InterruptedException | RuntimeException e) {
                // Never leave a half-started broker behind: the next start() would take it for a running one.
                ChildJvm.kill(process);
                process = null;
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka node " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting Kafka node " + name, e);
        }
    }

    /** Stops the broker gracefully (SIGTERM: controlled shutdown, clean log close) and waits for it to exit. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        try {
            ChildJvm.stopGracefully(process, 60);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            process = null;
        }
    }

    /** Kills the broker with SIGKILL, as a crash would: no controlled shutdown, logs recovered on the next start. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        try {
            ChildJvm.kill(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            process = null;
        }
    }

    /** How the broker's last process ended ({@code signal 9}, {@code exit code 1}), or {@code running}. */
    public synchronized String exitDescription() {
        return ChildJvm.describeExit(process);
    }

    /** Starts the broker again after its process died (its logs are recovered), waiting until it serves. */
    public synchronized void restartAfterCrash() {
        if (isRunning()) {
            return;
        }
        process = null;
        start();
    }

    /** The broker's log file, {@code logs/<name>.log}. */
    public Path log() {
        return logsDir.resolve(name + ".log");
    }

    /** The OS process id of the running broker, for diagnostics. */
    synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    private Path writeConfig() throws IOException {
        Path data = kafkaDir.resolve("data");
        Files.createDirectories(data);
        Files.createDirectories(logsDir);
        int replication = Math.min(clusterSize, 3);
        // acks=all means two copies whenever there are two; one broker cannot demand more than itself
        int minInSync = Math.min(replication, 2);
        // A client is told the advertised addresses of the listener it connected on: one that bootstraps through an
        // extra listener talks to this broker only at that listener's advertised address (a fault proxy's port).
        StringBuilder listeners = new StringBuilder("PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:"
                + controllerPort);
        StringBuilder advertised = new StringBuilder("PLAINTEXT://127.0.0.1:" + port);
        StringBuilder protocols = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        for (DevstackOptions.KafkaListener extra : extraListeners) {
            listeners.append(',').append(extra.name()).append("://127.0.0.1:").append(extra.port());
            advertised.append(',').append(extra.name()).append("://127.0.0.1:").append(extra.advertisedPort());
            protocols.append(',').append(extra.name()).append(":PLAINTEXT");
        }
        // rewritten on every start: the ports of a persistent stack may have changed since the last run
        String config = String.join("\n",
                "process.roles=broker,controller",
                "node.id=" + nodeId,
                "controller.quorum.voters=" + quorumVoters,
                "listeners=" + listeners,
                "advertised.listeners=" + advertised,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=" + protocols,
                "log.dirs=" + data,
                "auto.create.topics.enable=false",
                "num.partitions=12",
                "default.replication.factor=" + replication,
                "min.insync.replicas=" + minInSync,
                // a replica that was out of sync never becomes leader: no acknowledged write is silently dropped
                "unclean.leader.election.enable=false",
                "offsets.topic.replication.factor=" + replication,
                "offsets.topic.num.partitions=10",
                "transaction.state.log.replication.factor=" + replication,
                "transaction.state.log.min.isr=" + minInSync,
                "transaction.state.log.num.partitions=10",
                "share.coordinator.state.topic.replication.factor=" + replication,
                "share.coordinator.state.topic.min.isr=" + minInSync,
                "group.initial.rebalance.delay.ms=0",
                // a broker that dies is fenced, and leaves the ISRs and its leaderships, after the session timeout
                // (9 s by default): until then acks=all writes wait. 3 s, plus a controller failover (2 s fetch
                // timeout + 1 s election), stays under 40 % of ingest's 16 s delivery window (20 s publishTimeout),
                // so a crash costs producers slow answers, not 503s (HaChaosIT); heartbeats every 500 ms
                "broker.session.timeout.ms=3000",
                "broker.heartbeat.interval.ms=500",
                "");
        Path serverProperties = kafkaDir.resolve("server.properties");
        Files.writeString(serverProperties, config, StandardCharsets.UTF_8);
        Path log = log();
        // log4j's own shutdown hook would stop logging before Kafka's hook logs its shutdown
        String log4j = """
                <?xml version="1.0" encoding="UTF-8"?>
                <Configuration status="warn" shutdownHook="disable">
                  <Appenders>
                    <RollingFile name="file" fileName="%1$s" filePattern="%1$s.%%i">
                      <PatternLayout pattern="[%%d] %%p %%m (%%c)%%n"/>
                      <Policies><SizeBasedTriggeringPolicy size="50 MB"/></Policies>
                      <DefaultRolloverStrategy max="3"/>
                    </RollingFile>
                  </Appenders>
                  <Loggers>
                    <Root level="info"><AppenderRef ref="file"/></Root>
                    <Logger name="kafka.request.logger" level="warn"/>
                    <Logger name="org.apache.kafka.clients" level="warn"/>
                  </Loggers>
                </Configuration>
                """.formatted(log);
        Files.writeString(kafkaDir.resolve("log4j2.xml"), log4j, StandardCharsets.UTF_8);
        return serverProperties;
    }

    private void formatStorageIfNeeded(String classpath, Path serverProperties)
            throws IOException, InterruptedException {
        if (Files.exists(kafkaDir.resolve("data").resolve("meta.properties"))) {
            return;
        }
        List<String> jvm = List.of("-Xmx256m", "-Dlog4j2.configurationFile=" + kafkaDir.resolve("log4j2.xml"));
        // A static quorum (controller.quorum.voters is set): every node is formatted with the same cluster id and
        // neither --standalone nor --initial-controllers, which are for dynamic quorums only.
        ChildJvm.run(classpath, jvm, "kafka.tools.StorageTool",
                List.of("format", "--cluster-id", clusterId, "--config", serverProperties.toString()), 120);
        LOG.debug("formatted storage of Kafka node {} in {} with cluster id {}", name, kafkaDir, clusterId);
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        Exception last = null;
        // an admin client logs a warning for every refused connection: wait for the listener quietly first
        while (!acceptsConnections() && System.nanoTime() < deadline) {
            failIfExited();
            TimeUnit.MILLISECONDS.sleep(100);
        }
        try (Admin admin = Admin.create(config)) {
            while (System.nanoTime() < deadline) {
                failIfExited();
                try {
                    if (isReady(admin, nodeId)) {
                        return;
                    }
                } catch (Exception e) {
                    last = e;
                }
                // a short poll interval: the broker is usually ready within seconds
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
        throw new IllegalStateException("Kafka node " + name + " at " + bootstrap() + " was not ready within "
                + READY_TIMEOUT + "; last log lines:\n" + ChildJvm.tail(log(), 40), last);
    }

    private void failIfExited() {
        if (!process.isAlive()) {
            throw new IllegalStateException("Kafka node " + name + " exited with " + process.exitValue()
                    + " while starting; last log lines:\n" + ChildJvm.tail(log(), 40)
                    + "\n" + ChildJvm.tail(logsDir.resolve(name + ".out"), 20));
        }
    }

    private boolean acceptsConnections() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Ready = this node is a live (unfenced) broker of the cluster and every partition has a live leader again (a
     * node that just restarted may still be listed as the leader of partitions it led before it died).
     */
    static boolean isReady(Admin admin, int nodeId) throws Exception {
        Set<Integer> live = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).stream()
                .map(Node::id).collect(Collectors.toSet());
        if (!live.contains(nodeId)) {
            return false;
        }
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                .get(5, TimeUnit.SECONDS);
        if (topics.isEmpty()) {
            return true;
        }
        Map<String, TopicDescription> descriptions = admin.describeTopics(topics).allTopicNames()
                .get(5, TimeUnit.SECONDS);
        return descriptions.values().stream()
                .flatMap(description -> description.partitions().stream())
                .map(TopicPartitionInfo::leader)
                .allMatch(leader -> leader != null && live.contains(leader.id()));
    }
}
