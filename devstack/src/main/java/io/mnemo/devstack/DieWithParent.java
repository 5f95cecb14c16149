package io.mnemo.devstack;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of the devstack's child JVMs: runs another main class, and ends the JVM as soon as its standard input
 * reaches end of file, which happens when the parent JVM dies, even by SIGKILL, so no broker outlives its stack.
 *
 * <p>Usage: {@code java -cp ... io.mnemo.devstack.DieWithParent <main class> [args...]}. Uses the JDK only, because
 * the child's classpath holds the devstack's own classes but none of its dependencies.
 */
public final class DieWithParent {

    private static final long SHUTDOWN_GRACE_MILLIS = 15_000;

    private DieWithParent() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length == 0) {
            System.err.println("usage: DieWithParent <main class> [args...]");
            System.exit(2);
        }
        Thread watchdog = new Thread(DieWithParent::exitWhenParentIsGone, "die-with-parent");
        watchdog.setDaemon(true);
        watchdog.start();

        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void exitWhenParentIsGone() {
        byte[] buffer = new byte[256];
        try (InputStream in = System.in) {
            while (in.read(buffer) >= 0) {
                // the parent never writes; anything read is ignored
            }
        } catch (IOException e) {
            // a broken pipe means the same as end of file: the parent is gone
        }
        // exit rather than halt, so the broker's shutdown hooks can stop it cleanly (an unclean Kafka shutdown makes
        // the next start wait for the old registration to expire); halt if that takes too long, as an orphan is
        // worse than an unclean stop
        Thread deadline = new Thread(() -> {
            try {
                Thread.sleep(SHUTDOWN_GRACE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(1);
        }, "die-with-parent-deadline");
        deadline.setDaemon(true);
        deadline.start();
        System.exit(1);
    }
}
