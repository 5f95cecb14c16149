package io.mnemo.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One benchmark run's figures: a markdown table (printed and written) and the same as JSON, under
 * {@code bench/results/}, with the machine description, the exact command and the resident memory of every process
 * of the run (this JVM and its children: broker, Postgres, ...).
 */
final class BenchResults {
    private final String name;
    private final List<String> columns;
    private final List<List<Object>> rows = new ArrayList<>();
    private final Map<String, Object> extra = new LinkedHashMap<>();
    private final Instant startedAt = Instant.now();

    BenchResults(String name, List<String> columns) {
        this.name = name;
        this.columns = columns;
    }

    void row(Object... values) {
        rows.add(List.of(values));
    }

    int rowCount() {
        return rows.size();
    }

    /** Every numeric cell of the table (for the smoke test: figures were produced). */
    List<Double> numbers() {
        List<Double> numbers = new ArrayList<>();
        rows.forEach(row -> row.stream().filter(v -> v instanceof Number).forEach(v -> numbers.add(((Number) v)
                .doubleValue())));
        return numbers;
    }

    void put(String key, Object value) {
        extra.put(key, value);
    }

    /** Machine, JDK and command, as the results header. */
    static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memoryGiB", memTotalGiB());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("command", ProcessHandle.current().info().commandLine().orElse("?")
                .replaceAll("-cp \\S+", "-cp …"));
        machine.put("jvmArgs", ManagementFactory.getRuntimeMXBean().getInputArguments());
        return machine;
    }

    /**
     * Resident set size (MiB) of this process and every descendant, summed per kind of process (Postgres backends
     * share memory with their postmaster, so their sum overstates it).
     */
    static List<Map<String, Object>> footprint() {
        Map<String, long[]> byKind = new LinkedHashMap<>();
        // this JVM, its children (a devstack of its own), and the platform's processes when it runs apart
        // (`./mnemo dev`): services, broker, S3 server, Postgres
        java.util.Set<ProcessHandle> all = new java.util.LinkedHashSet<>();
        all.add(ProcessHandle.current());
        ProcessHandle.current().descendants().forEach(all::add);
        ProcessHandle.allProcesses().filter(p -> !describe(p).equals("other")).forEach(all::add);
        for (ProcessHandle process : all) {
            long rss = rssKiB(process.pid());
            String kind = describe(process);
            if (rss > 0 && !kind.equals("other")) {
                long[] sum = byKind.computeIfAbsent(kind, k -> new long[2]);
                sum[0] += rss;
                sum[1]++;
            }
        }
        List<Map<String, Object>> processes = new ArrayList<>();
        byKind.forEach((kind, sum) -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("process", kind);
            entry.put("count", sum[1]);
            entry.put("rssMiB", sum[0] / 1024);
            processes.add(entry);
        });
        return processes;
    }

    /** The kind under which {@link #cpuMicrosByKind} counts the bench JVM's exited children. */
    static final String EXITED_CHILDREN = "bench JVM's exited children";

    /**
     * CPU time (µs, user + system) used so far per kind of process, from /proc/<pid>/stat: this JVM, the platform's
     * services, the broker, S3Proxy, and Postgres (the servers' own time plus what their exited children used,
     * plus the live backends). Two snapshots around a run give each kind's CPU cost of the run.
     */
    static Map<String, Long> cpuMicrosByKind() {
        return cpuMicrosByKind(pid -> true);
    }

    /** {@link #cpuMicrosByKind()} of the processes whose pid passes {@code include}. */
    static Map<String, Long> cpuMicrosByKind(java.util.function.LongPredicate include) {
        Map<String, Long> byKind = new LinkedHashMap<>();
        java.util.Set<ProcessHandle> all = new java.util.LinkedHashSet<>();
        all.add(ProcessHandle.current());
        ProcessHandle.current().descendants().forEach(all::add);
        ProcessHandle.allProcesses().filter(p -> !describe(p).equals("other")).forEach(all::add);
        for (ProcessHandle process : all) {
            String kind = describe(process);
            if (kind.equals("other") || !include.test(process.pid())) {
                continue;
            }
            long[] ticks = cpuTicks(process.pid());
            if (ticks == null) {
                continue;
            }
            // a server's reaped children (backends that exited) count in its cutime/cstime
            long used = ticks[0] + ticks[1] + (kind.equals("postgres servers") ? ticks[2] + ticks[3] : 0);
            String group = kind.startsWith("postgres") ? "postgres" : kind;
            byKind.merge(group, used * 10_000L, Long::sum); // USER_HZ is 100 on Linux: 1 tick = 10 ms
            if (kind.equals("bench JVM")) {
                // child JVMs it ran and waited for (e.g. ProducerPerformance), once they exited
                byKind.merge(EXITED_CHILDREN, (ticks[2] + ticks[3]) * 10_000L, Long::sum);
            }
        }
        return byKind;
    }

    /** CPU µs of a process including its children that exited and were waited for (e.g. a tool it ran). */
    static long cpuMicrosWithReapedChildren(long pid) {
        long[] ticks = cpuTicks(pid);
        return ticks == null ? 0 : (ticks[0] + ticks[1] + ticks[2] + ticks[3]) * 10_000L;
    }

    /** The kind of process, as the CPU and footprint figures name it ("other" when not the platform's). */
    static String kindOf(ProcessHandle process) {
        return describe(process);
    }

    /** utime, stime, cutime, cstime in clock ticks, or null when the process is gone. */
    static long[] cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
            return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12]), Long.parseLong(fields[13]),
                    Long.parseLong(fields[14])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** CPU µs per operation per kind of process between two snapshots, e.g. {@code postgres=412, bench JVM=95}. */
    static Map<String, Long> cpuMicrosPerOp(Map<String, Long> before, Map<String, Long> after, long operations) {
        Map<String, Long> perOp = new LinkedHashMap<>();
        after.forEach((kind, micros) -> {
            long used = micros - before.getOrDefault(kind, 0L);
            if (used > 0) {
                perOp.put(kind, used / Math.max(1, operations));
            }
        });
        return perOp;
    }

    private static String describe(ProcessHandle process) {
        if (process.pid() == ProcessHandle.current().pid()) {
            return "bench JVM";
        }
        String command = process.info().command().orElse("?");
        // by main class, a whole argument (a service's classpath names the broker's and S3Proxy's jars too), read
        // from /proc: ProcessHandle's command line is cut short after a long classpath
        List<String> words = arguments(process.pid());
        for (String service : List.of("IngestApplication", "QueryApplication", "ProcessorsApplication",
                "HttpFloorApplication")) {
            if (words.stream().anyMatch(w -> w.startsWith("io.mnemo.") && w.endsWith("." + service))) {
                return service;
            }
        }
        if (words.contains("io.mnemo.cli.MnemoCli")) {
            return "mnemo CLI (dev: devstack and schema registry)";
        }
        if (words.contains("kafka.Kafka")) {
            return "Kafka broker";
        }
        if (words.contains("org.gaul.s3proxy.Main")) {
            return "S3 server (S3Proxy)";
        }
        if (command.endsWith("/postgres")) {
            boolean backend = process.parent().flatMap(p -> p.info().command()).map(c -> c.endsWith("/postgres"))
                    .orElse(false);
            return backend ? "postgres backends" : "postgres servers";
        }
        return "other";
    }

    static List<String> arguments(long pid) {
        try {
            return List.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).split("\0"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static long rssKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static long memTotalGiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024 / 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    String markdown(List<Map<String, Object>> footprint) {
        StringBuilder md = new StringBuilder();
        Map<String, Object> machine = machine();
        md.append("# ").append(name).append("\n\n");
        md.append(String.format("%s UTC · %s cores · %s GiB · %s · %s%n%n", startedAt, machine.get("cores"),
                machine.get("memoryGiB"), machine.get("jdk"), machine.get("os")));
        md.append("| ").append(String.join(" | ", columns)).append(" |\n");
        md.append("|").append("---|".repeat(columns.size())).append("\n");
        for (List<Object> row : rows) {
            md.append("| ");
            for (int i = 0; i < row.size(); i++) {
                md.append(format(row.get(i))).append(i + 1 < row.size() ? " | " : " |\n");
            }
        }
        if (!extra.isEmpty()) {
            md.append("\n");
            extra.forEach((k, v) -> md.append("- ").append(k).append(": ").append(format(v)).append("\n"));
        }
        md.append("\nFootprint at the end (RSS): ");
        List<String> parts = new ArrayList<>();
        for (Map<String, Object> p : footprint) {
            parts.add(p.get("process") + (((Number) p.get("count")).longValue() > 1 ? " ×" + p.get("count") : "") + " "
                    + p.get("rssMiB") + " MiB");
        }
        md.append(String.join(", ", parts)).append("\n");
        return md.toString();
    }

    private static String format(Object value) {
        if (value instanceof Double d) {
            return Math.abs(d) >= 100 ? String.format("%,.0f", d) : String.format("%.2f", d);
        }
        if (value instanceof Long || value instanceof Integer) {
            return String.format("%,d", ((Number) value).longValue());
        }
        return String.valueOf(value);
    }

    /** Prints the table and writes {@code bench/results/<name>-<time>.md|.json}; returns the markdown path. */
    Path write(Path resultsDir) throws IOException {
        List<Map<String, Object>> footprint = footprint();
        String md = markdown(footprint);
        System.out.println();
        System.out.print(md);
        Files.createDirectories(resultsDir);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(startedAt.atZone(ZoneOffset.UTC));
        Path mdFile = resultsDir.resolve(name + "-" + stamp + ".md");
        Files.writeString(mdFile, md);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", name);
        json.put("startedAt", startedAt.toString());
        json.put("machine", machine());
        json.put("columns", columns);
        json.put("rows", rows);
        json.put("figures", extra);
        json.put("footprint", footprint);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(resultsDir.resolve(name + "-" + stamp + ".json").toFile(), json);
        return mdFile;
    }
}
