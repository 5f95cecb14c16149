package io.mnemo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Start-up of the whole platform: N starts of {@code mnemo dev} to healthy per mode, the median of every step
 * ({@code .mnemo/startup-times.json}: broker, each Postgres server, S3, registry, topics, each service), the wall
 * time from launch until {@code dev-env.json} appears, the time to stop, and the idle proportional set size (PSS,
 * from {@code /proc/<pid>/smaps_rollup}: shared pages are split between the processes that map them, so the sum
 * is what the platform really occupies) of every process of the platform after the last start of a mode.
 *
 * <p>Modes: {@code cold} (a fresh data directory: Postgres initdb, Kafka format, migrations), {@code warm} (the
 * data directory of the previous start); {@code -nocds} adds {@code MNEMO_CDS=off}, {@code -fulljit}
 * {@code MNEMO_DEV_JIT=full} ({@code warm-nocds-fulljit} is the start as it was before issue 13's work, apart from the
 * parallel health waits). The page cache stays warm in every mode (dropping it needs root on a shared machine).
 */
public final class StartupBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StartupBench() {
    }

    public static void main(String[] args) throws Exception {
        int starts = Integer.getInteger("bench.starts", 5);
        List<String> modes = List.of(System.getProperty("bench.modes", "warm-nocds-fulljit,warm-fulljit,warm,cold")
                .split(","));
        int idleSeconds = Integer.getInteger("bench.idleSeconds", 10);
        Path dataDir = Path.of(System.getProperty("bench.dataDir", ".mnemo-startup-bench")).toAbsolutePath();
        Path results = Path.of(System.getProperty("bench.results", "bench/results"));
        System.out.printf("Start-up benchmark: %d start(s) of ./mnemo dev per mode %s in %s%n", starts, modes,
                dataDir);
        try {
            run(List.of(Path.of("mnemo").toAbsolutePath().toString()), dataDir, modes, starts, idleSeconds,
                    results);
        } finally {
            deleteRecursively(dataDir);
        }
    }

    /** Runs {@code launcher dev --data-dir dataDir} {@code starts} times per mode and writes the results. */
    static BenchResults run(List<String> launcher, Path dataDir, List<String> modes, int starts, int idleSeconds,
                            Path resultsDir) throws Exception {
        BenchResults results = new BenchResults("startup", List.of("mode", "step", "starts", "median begin s",
                "median end s", "median duration s", "min duration s", "max duration s"));
        for (String mode : modes) {
            boolean cold = mode.startsWith("cold");
            boolean noCds = mode.contains("-nocds");
            boolean fullJit = mode.contains("-fulljit");
            if (!cold || !noCds) {
                // not counted: makes the data directory a warm start finds, and the Class Data Sharing archives
                // of these JVM options (a JVM on JDK 17 writes its archive when it exits)
                System.out.printf("%s: a first start (not counted)%n", mode);
                startAndStop(launcher, dataDir, noCds, fullJit, -1);
            }
            Map<String, List<double[]>> steps = new LinkedHashMap<>(); // in the order of the first start's steps
            Map<String, Object> pss = Map.of();
            for (int i = 1; i <= starts; i++) {
                if (cold) {
                    deleteRecursively(dataDir);
                }
                Start start = startAndStop(launcher, dataDir, noCds, fullJit, i == starts ? idleSeconds : -1);
                System.out.printf("%s start %d: healthy in %.1f s (wall), stopped in %.1f s%n", mode, i,
                        start.wallSeconds, start.stopSeconds);
                start.steps.forEach((name, times) -> steps.computeIfAbsent(name, k -> new ArrayList<>()).add(times));
                steps.computeIfAbsent("~ healthy (wall, launch → dev-env.json)", k -> new ArrayList<>())
                        .add(new double[] {0, start.wallSeconds});
                steps.computeIfAbsent("~ stop (SIGTERM → exit)", k -> new ArrayList<>())
                        .add(new double[] {0, start.stopSeconds});
                if (start.pss != null) {
                    pss = start.pss;
                }
            }
            steps.forEach((name, all) -> {
                List<Double> begins = all.stream().map(t -> t[0]).sorted().toList();
                List<Double> ends = all.stream().map(t -> t[1]).sorted().toList();
                List<Double> durations = all.stream().map(t -> t[1] - t[0]).sorted().toList();
                results.row(mode, name, all.size(), median(begins), median(ends), median(durations),
                        durations.get(0), durations.get(durations.size() - 1));
            });
            results.put("idle PSS MiB after " + idleSeconds + " s, " + mode, pss);
        }
        Path md = results.write(resultsDir);
        System.out.println("Written " + md);
        return results;
    }

    private record Start(Map<String, double[]> steps, double wallSeconds, double stopSeconds,
                         Map<String, Object> pss) {
    }

    /** One start; with {@code idleSeconds >= 0} the PSS of every process is read after that long idle. */
    private static Start startAndStop(List<String> launcher, Path dataDir, boolean noCds, boolean fullJit,
                                      int idleSeconds)
            throws Exception {
        Files.createDirectories(dataDir);
        Path envFile = dataDir.resolve("dev-env.json");
        Files.deleteIfExists(envFile);
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("dev", "--data-dir", dataDir.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolveSibling(
                        dataDir.getFileName() + ".log").toFile()));
        builder.environment().put("MNEMO_CDS", noCds ? "off" : "on");
        builder.environment().put("MNEMO_DEV_JIT", fullJit ? "full" : "quick");
        long launched = System.nanoTime();
        Process dev = builder.start();
        try {
            long deadline = launched + TimeUnit.MINUTES.toNanos(3);
            while (!Files.exists(envFile)) {
                if (!dev.isAlive()) {
                    throw new IllegalStateException("mnemo dev exited with " + dev.exitValue() + "; see "
                            + dataDir.resolveSibling(dataDir.getFileName() + ".log"));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("mnemo dev not healthy within 3 minutes");
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
            double wall = (System.nanoTime() - launched) / 1e9;
            Map<String, double[]> steps = new LinkedHashMap<>();
            JsonNode times = JSON.readTree(dataDir.resolve("startup-times.json").toFile());
            for (JsonNode step : times.get("steps")) {
                steps.put(step.get("name").asText(), new double[] {step.get("startMillis").asLong() / 1e3,
                        step.get("endMillis").asLong() / 1e3});
            }
            steps.put("~ total (startup-times.json)", new double[] {0, times.get("totalMillis").asLong() / 1e3});
            Map<String, Object> pss = null;
            if (idleSeconds >= 0) {
                TimeUnit.SECONDS.sleep(idleSeconds);
                pss = pssByKind(dev.toHandle(), dataDir);
            }
            long stopping = System.nanoTime();
            stop(dev);
            return new Start(steps, wall, (System.nanoTime() - stopping) / 1e9, pss);
        } finally {
            if (dev.isAlive()) {
                stop(dev);
            }
        }
    }

    private static void stop(Process dev) throws InterruptedException {
        List<ProcessHandle> children = dev.toHandle().descendants().toList();
        dev.toHandle().destroy(); // SIGTERM: mnemo dev stops the services, then the devstack
        if (!dev.waitFor(2, TimeUnit.MINUTES)) {
            dev.destroyForcibly();
            dev.waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }

    /**
     * PSS (MiB) per kind of process: the CLI and its descendants, and the Postgres servers of this data directory
     * with their backends (pg_ctl detaches them from the CLI).
     */
    static Map<String, Object> pssByKind(ProcessHandle dev, Path dataDir) {
        Set<ProcessHandle> all = new LinkedHashSet<>();
        all.add(dev);
        dev.descendants().forEach(all::add);
        String dir = dataDir.toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
                .filter(p -> cmdline(p.pid()).contains(dir))
                .forEach(server -> {
                    all.add(server);
                    server.descendants().forEach(all::add);
                });
        Map<String, Long> kib = new TreeMap<>();
        long total = 0;
        for (ProcessHandle process : all) {
            long pss = pssKiB(process.pid());
            if (pss <= 0) {
                continue;
            }
            kib.merge(kind(process, dev), pss, Long::sum);
            total += pss;
        }
        Map<String, Object> mib = new LinkedHashMap<>();
        kib.forEach((kind, value) -> mib.put(kind, value / 1024));
        mib.put("total", total / 1024);
        return mib;
    }

    private static String kind(ProcessHandle process, ProcessHandle dev) {
        if (process.pid() == dev.pid()) {
            return "mnemo CLI (devstack, registry)";
        }
        String line = cmdline(process.pid());
        for (String[] known : new String[][] {{"ProcessorsApplication", "processors"}, {"IngestApplication", "ingest"},
                {"QueryApplication", "query"}, {"kafka.Kafka", "Kafka broker"}, {"org.gaul.s3proxy.Main", "S3Proxy"}}) {
            if (line.contains(known[0])) {
                return known[1];
            }
        }
        if (process.info().command().map(c -> c.endsWith("/postgres")).orElse(false)) {
            return "postgres (2 servers + backends)";
        }
        return "other";
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static long pssKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
                if (line.startsWith("Pss:")) {
                    return Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
