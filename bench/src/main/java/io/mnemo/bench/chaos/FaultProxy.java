package io.mnemo.bench.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP forwarder (one listen port on 127.0.0.1 to one target, any number of connections) whose network fault can
 * be switched while it runs, for the chaos suite: it sits between the stream processors and Kafka or Postgres.
 *
 * <p>Each connection has, per direction, a reader that reads chunks as they arrive and stamps each with the time it
 * may leave, and a writer that forwards them in order at that time. So every chunk keeps its order, and a delay of
 * one chunk holds back the ones behind it, as in TCP. The faults:
 * <ul>
 *   <li>{@link None}: forward at once;</li>
 *   <li>{@link Latency}: every chunk leaves {@code delay} after it arrived (one way; a round trip pays it twice);</li>
 *   <li>{@link Loss}: TCP does not lose bytes, it retransmits them: a lost segment arrives one retransmission
 *       timeout late (Linux's minimum RTO is 200 ms) and the receiver delivers nothing behind it until then
 *       (head-of-line blocking). So a chunk is stalled by {@code retransmissionTimeout} with the probability that
 *       at least one of its 1,460-byte segments is lost, {@code 1 - (1 - p)^segments}; order is kept;</li>
 *   <li>{@link Partition}: nothing is forwarded either way, and new connections are accepted but held (no
 *       connection to the target is made) until the partition heals: clients see silence and their own timeouts,
 *       never a reset or a refusal, as across a real partition where segments and SYNs are dropped and retried.
 *       A client's reader keeps reading into a bounded queue, then stops, so a sender blocks on full buffers.</li>
 * </ul>
 * Switching back to {@link None} ({@link #heal()}) forwards what was held, in order, and connects held connections.
 */
public final class FaultProxy implements AutoCloseable {
    /** The network fault applied to chunks read from now on (and, for a partition, to every chunk not yet sent). */
    public sealed interface Fault permits None, Latency, Loss, Partition {
    }

    public record None() implements Fault {
    }

    public record Latency(Duration delay) implements Fault {
        public Latency {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("a latency cannot be negative: " + delay);
            }
        }
    }

    /** @param percent the probability, 0 to 100, that one 1,460-byte segment is lost (and retransmitted) */
    public record Loss(double percent, Duration retransmissionTimeout) implements Fault {
        public Loss {
            if (percent < 0 || percent > 100 || retransmissionTimeout.isNegative()) {
                throw new IllegalArgumentException("loss must be 0-100 % with a positive RTO: " + percent + ", "
                        + retransmissionTimeout);
            }
        }
    }

    public record Partition() implements Fault {
    }

    public static final Fault NONE = new None();
    public static final Fault PARTITION = new Partition();
    /** Linux's minimum retransmission timeout ({@code TCP_RTO_MIN}), what a lost segment costs on a short path. */
    public static final Duration LINUX_MIN_RTO = Duration.ofMillis(200);
    private static final int SEGMENT = 1460;
    private static final int CHUNK = 16 * 1024;
    /** Chunks held per direction before the reader stops reading (and the sender's buffers fill). */
    private static final int QUEUE = 64;

    public static Fault latency(Duration delay) {
        return new Latency(delay);
    }

    public static Fault loss(double percent) {
        return new Loss(percent, LINUX_MIN_RTO);
    }

    private final String name;
    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Object gate = new Object();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong delayed = new AtomicLong();
    private volatile Fault fault = NONE;
    private volatile boolean closed;

    private FaultProxy(String name, InetSocketAddress target, ServerSocket server) {
        this.name = name;
        this.target = target;
        this.server = server;
    }

    /** Listens on 127.0.0.1:{@code port} ({@code 0}: any free port) and forwards to {@code target}, fault-free. */
    public static FaultProxy start(String name, int port, InetSocketAddress target) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
        FaultProxy proxy = new FaultProxy(name, Objects.requireNonNull(target, "target"), server);
        proxy.thread("accept", proxy::acceptLoop).start();
        return proxy;
    }

    public int port() {
        return server.getLocalPort();
    }

    public Fault fault() {
        return fault;
    }

    /** Applies {@code fault} from now on. */
    public void set(Fault fault) {
        synchronized (gate) {
            this.fault = Objects.requireNonNull(fault, "fault");
            gate.notifyAll();
        }
    }

    public void partition() {
        set(PARTITION);
    }

    /** Ends any fault: what a partition held is forwarded, held connections are connected. */
    public void heal() {
        set(NONE);
    }

    /** Connections accepted since the start. */
    public long connectionsAccepted() {
        return accepted.get();
    }

    /** Chunks given a delay (latency or a retransmission stall) since the start: the fault met real traffic. */
    public long chunksDelayed() {
        return delayed.get();
    }

    /** Connections accepted and not yet closed, held ones included. */
    public int openConnections() {
        return open.get();
    }

    @Override
    public void close() {
        closed = true;
        set(NONE);
        closeQuietly(server);
        sockets.forEach(FaultProxy::closeQuietly);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            open.incrementAndGet();
            sockets.add(client);
            thread("connect", () -> connect(client)).start();
        }
    }

    /** Held while partitioned, then connected to the target; a target that refuses closes the client's socket. */
    private void connect(Socket client) {
        Socket upstream = new Socket();
        sockets.add(upstream);
        try {
            awaitNoPartition();
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(target, 5_000);
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            finish(client, upstream);
            return;
        }
        Connection connection = new Connection(client, upstream);
        connection.pipe("up", client, upstream);
        connection.pipe("down", upstream, client);
    }

    private void finish(Socket client, Socket upstream) {
        closeQuietly(client);
        closeQuietly(upstream);
        if (sockets.remove(client)) {
            open.decrementAndGet();
        }
        sockets.remove(upstream);
    }

    private void awaitNoPartition() throws InterruptedException {
        synchronized (gate) {
            while (fault instanceof Partition && !closed) {
                gate.wait();
            }
        }
    }

    /** When a chunk of {@code length} bytes read now may leave. */
    private long due(int length) {
        long now = System.nanoTime();
        Fault current = fault;
        if (current instanceof Latency latency) {
            delayed.incrementAndGet();
            return now + latency.delay().toNanos();
        }
        if (current instanceof Loss loss) {
            int segments = (length + SEGMENT - 1) / SEGMENT;
            double stalled = 1 - Math.pow(1 - loss.percent() / 100, segments);
            if (ThreadLocalRandom.current().nextDouble() < stalled) {
                delayed.incrementAndGet();
                return now + loss.retransmissionTimeout().toNanos();
            }
        }
        return now;
    }

    private Thread thread(String role, Runnable body) {
        Thread thread = new Thread(body, "fault-proxy-" + name + "-" + role);
        thread.setDaemon(true);
        return thread;
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            // closing: nothing to do
        }
    }

    private record Chunk(byte[] bytes, long due) {
        static final Chunk END = new Chunk(new byte[0], 0);
    }

    /** Both directions of one client connection; closed once both ended, or at once when either fails. */
    private final class Connection {
        private final Socket client;
        private final Socket upstream;
        private final AtomicInteger directions = new AtomicInteger(2);

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void pipe(String direction, Socket from, Socket to) {
            BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE);
            thread(direction + "-read", () -> read(from, queue)).start();
            thread(direction + "-write", () -> write(queue, to)).start();
        }

        private void read(Socket from, BlockingQueue<Chunk> queue) {
            byte[] buffer = new byte[CHUNK];
            try {
                InputStream in = from.getInputStream();
                while (true) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        put(queue, Chunk.END, from);
                        return;
                    }
                    put(queue, new Chunk(Arrays.copyOf(buffer, n), due(n)), from);
                }
            } catch (IOException e) {
                abort();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort();
            }
        }

        /** Waits for room in the queue while the connection lives (an aborted writer takes nothing more). */
        private void put(BlockingQueue<Chunk> queue, Chunk chunk, Socket from) throws InterruptedException {
            while (!queue.offer(chunk, 1, TimeUnit.SECONDS)) {
                if (from.isClosed()) {
                    return;
                }
            }
        }

        private void write(BlockingQueue<Chunk> queue, Socket to) {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk chunk = queue.poll(1, TimeUnit.SECONDS);
                    if (chunk == null) {
                        if (to.isClosed()) {
                            return;
                        }
                        continue;
                    }
                    if (chunk == Chunk.END) {
                        // a half close travels on as one: the other direction may still carry an answer
                        to.shutdownOutput();
                        ended();
                        return;
                    }
                    long wait = chunk.due() - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    awaitNoPartition();
                    out.write(chunk.bytes());
                    out.flush();
                }
            } catch (IOException e) {
                abort();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort();
            }
        }

        private void ended() {
            if (directions.decrementAndGet() == 0) {
                finish(client, upstream);
            }
        }

        private void abort() {
            finish(client, upstream);
        }
    }
}
