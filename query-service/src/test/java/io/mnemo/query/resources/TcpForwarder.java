package io.mnemo.query.resources;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local port that forwards to a database until it is closed: then every open connection is cut and new ones are
 * refused, as when the database goes away, while the devstack's database itself stays up for the other tests.
 */
final class TcpForwarder implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    TcpForwarder(String host, int port) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accepting = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket target = new Socket(host, port);
                    sockets.add(client);
                    sockets.add(target);
                    pipe(client, target);
                    pipe(target, client);
                } catch (IOException closed) {
                    // the server socket was closed, or the target refused: the client sees its connection end
                }
            }
        }, "tcp-forwarder-accept");
        accepting.setDaemon(true);
        accepting.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** {@code jdbcUrl} with its host and port replaced by this forwarder's. */
    String forward(String jdbcUrl) {
        return jdbcUrl.replaceFirst("//[^/]+/", "//127.0.0.1:" + port() + "/");
    }

    private void pipe(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException cut) {
                // either side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "tcp-forwarder-pipe");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        sockets.forEach(TcpForwarder::closeQuietly);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
