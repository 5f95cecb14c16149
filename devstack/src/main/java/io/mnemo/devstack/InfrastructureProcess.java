package io.mnemo.devstack;

import java.nio.file.Path;

/** One process of the stack (the broker, a Postgres server, the S3 server) as a supervisor sees it. */
public interface InfrastructureProcess {
    /** {@code kafka}, {@code postgres-primary}, {@code postgres-replica-1}, {@code s3}. */
    String name();

    boolean isRunning();

    /** How it ended ({@code signal 9}, {@code exit code 1}, ...), once it is not running. */
    String exitDescription();

    /** Starts it again after it died, on the same port and data, and waits until it serves requests. */
    void restart() throws Exception;

    Path log();

    /** The OS process id, or -1 when not running. */
    long pid();
}
