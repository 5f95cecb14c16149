package io.mnemo.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault proxy on real sockets, in front of an echo server. */
class FaultProxyTest {
    private ServerSocket echo;
    private FaultProxy proxy;
    private final List<Socket> clients = new ArrayList<>();

    @BeforeEach
    void startEchoServerAndProxy() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket socket = echo.accept();
                    Thread echoer = new Thread(() -> echo(socket));
                    echoer.setDaemon(true);
                    echoer.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        proxy = FaultProxy.start("test", 0, new InetSocketAddress(InetAddress.getLoopbackAddress(),
                echo.getLocalPort()));
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket client : clients) {
            client.close();
        }
        proxy.close();
        echo.close();
    }

    private static void echo(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // the client went away
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()), 1_000);
        socket.setSoTimeout(5_000);
        socket.setTcpNoDelay(true);
        clients.add(socket);
        return socket;
    }

    /** Sends one 8-byte message and returns the round trip in milliseconds, checking that it came back intact. */
    private static long roundTrip(Socket socket, long message) throws IOException {
        long started = System.nanoTime();
        byte[] bytes = java.nio.ByteBuffer.allocate(8).putLong(message).array();
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        long echoed = new DataInputStream(socket.getInputStream()).readLong();
        assertThat(echoed).isEqualTo(message);
        return (System.nanoTime() - started) / 1_000_000;
    }

    @Test
    void forwardsEveryByteBothWaysInOrderWithoutAFault() throws IOException {
        Socket socket = connect();
        byte[] sent = new byte[300_000];
        new java.util.Random(7).nextBytes(sent);
        Thread writer = new Thread(() -> {
            try {
                socket.getOutputStream().write(sent);
                socket.shutdownOutput();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        byte[] received = socket.getInputStream().readAllBytes();

        assertThat(received).isEqualTo(sent);
        assertThat(proxy.connectionsAccepted()).isEqualTo(1);
    }

    @Test
    void delaysEveryChunkByTheLatencyEachWayAndKeepsTheirOrder() throws IOException {
        Socket socket = connect();
        assertThat(roundTrip(socket, 1)).isLessThan(100);

        proxy.set(FaultProxy.latency(Duration.ofMillis(100)));
        long slow = roundTrip(socket, 2);
        // 50 messages sent at once arrive back in order, after about one round trip, not 50
        long started = System.nanoTime();
        for (long i = 0; i < 50; i++) {
            socket.getOutputStream().write(java.nio.ByteBuffer.allocate(8).putLong(i).array());
            socket.getOutputStream().flush();
        }
        DataInputStream in = new DataInputStream(socket.getInputStream());
        for (long i = 0; i < 50; i++) {
            assertThat(in.readLong()).isEqualTo(i);
        }
        long pipelined = (System.nanoTime() - started) / 1_000_000;
        proxy.heal();

        assertThat(slow).isBetween(200L, 1_000L);
        assertThat(proxy.chunksDelayed()).isGreaterThanOrEqualTo(2);
        assertThat(pipelined).isBetween(200L, 1_500L);
        assertThat(roundTrip(socket, 3)).isLessThan(100);
    }

    @Test
    void lossStallsSomeChunksByOneRetransmissionTimeoutAndLosesOrReordersNothing() throws IOException {
        Socket socket = connect();
        proxy.set(new FaultProxy.Loss(30, Duration.ofMillis(150)));
        int stalled = 0;
        for (long i = 0; i < 40; i++) {
            if (roundTrip(socket, i) >= 150) {
                stalled++;
            }
        }

        // each way 30 %: a round trip is stalled with probability 51 %; 40 of them, 5 to 35 stall all but surely
        assertThat(stalled).isBetween(5, 35);
    }

    @Test
    void aPartitionSilencesOpenAndNewConnectionsWithoutAResetUntilItHeals() throws Exception {
        Socket open = connect();
        roundTrip(open, 1);

        proxy.partition();
        open.setSoTimeout(500);
        open.getOutputStream().write(java.nio.ByteBuffer.allocate(8).putLong(2).array());
        assertThatThrownBy(() -> open.getInputStream().read()).as("silence, not a reset")
                .isInstanceOf(SocketTimeoutException.class);
        Socket late = connect();
        late.setSoTimeout(500);
        late.getOutputStream().write(java.nio.ByteBuffer.allocate(8).putLong(3).array());
        assertThatThrownBy(() -> late.getInputStream().read()).as("accepted, but blackholed")
                .isInstanceOf(SocketTimeoutException.class);
        assertThat(proxy.openConnections()).isEqualTo(2);

        proxy.heal();
        open.setSoTimeout(5_000);
        late.setSoTimeout(5_000);
        assertThat(new DataInputStream(open.getInputStream()).readLong()).as("held, then delivered").isEqualTo(2);
        assertThat(new DataInputStream(late.getInputStream()).readLong()).isEqualTo(3);
        assertThat(roundTrip(late, 4)).isLessThan(100);
    }

    @Test
    void aClientsCloseClosesItsUpstreamConnection() throws Exception {
        Socket socket = connect();
        roundTrip(socket, 1);
        socket.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openConnections() == 0);
    }

    @Test
    void aTargetThatIsDownClosesTheClientsConnection() throws Exception {
        echo.close();
        Socket socket = connect();

        assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
    }
}
