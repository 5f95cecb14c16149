package io.mnemo.schemas.serde;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.apache.avro.Schema;

/**
 * A schema registry held in memory, for unit tests and {@code TopologyTestDriver}: global ids starting at 1,
 * the same schema gets the same id in every subject, and registration honours the compatibility level
 * (global default {@code BACKWARD_TRANSITIVE}, as in devstack) so tests see the rejections production would.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {
    /** Canonical schema text (what a registry compares) → id, and id → schema. */
    private final Map<String, Integer> idByCanonical = new HashMap<>();
    private final Map<Integer, Schema> schemaById = new HashMap<>();
    /** Subject → ids in version order (version = index + 1); sorted so {@link #subjects()} is stable. */
    private final Map<String, List<Integer>> subjects = new TreeMap<>();
    private final Map<String, String> subjectLevels = new HashMap<>();
    private String globalLevel = "BACKWARD_TRANSITIVE";

    @Override
    public synchronized int register(String subject, Schema schema) {
        String canonical = schema.toString();
        Integer known = idByCanonical.get(canonical);
        List<Integer> versions = subjects.computeIfAbsent(subject, s -> new ArrayList<>());
        if (known != null && versions.contains(known)) {
            return known;
        }
        if (!Compatibility.isCompatible(level(subject), schema, history(versions))) {
            throw new SchemaRegistryException(409, 409, "Schema being registered is incompatible with an earlier schema for subject \""
                    + subject + "\" (" + level(subject) + ")");
        }
        int id = known != null ? known : schemaById.size() + 1;
        idByCanonical.put(canonical, id);
        schemaById.put(id, schema);
        versions.add(id);
        return id;
    }

    @Override
    public synchronized OptionalInt lookup(String subject, Schema schema) {
        Integer id = idByCanonical.get(schema.toString());
        List<Integer> versions = subjects.get(subject);
        return id != null && versions != null && versions.contains(id) ? OptionalInt.of(id) : OptionalInt.empty();
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = schemaById.get(id);
        if (schema == null) {
            throw new SchemaRegistryException(404, 40403, "Schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized List<String> subjects() {
        return subjects.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
    }

    @Override
    public synchronized List<Integer> versions(String subject) {
        int count = subjects.getOrDefault(subject, List.of()).size();
        List<Integer> versions = new ArrayList<>(count);
        for (int v = 1; v <= count; v++) {
            versions.add(v);
        }
        return List.copyOf(versions);
    }

    @Override
    public synchronized String compatibility(String subjectOrNullForGlobal) {
        return subjectOrNullForGlobal == null ? globalLevel : level(subjectOrNullForGlobal);
    }

    @Override
    public synchronized void setCompatibility(String subjectOrNullForGlobal, String level) {
        String normalized = Compatibility.normalize(level);
        if (subjectOrNullForGlobal == null) {
            globalLevel = normalized;
        } else {
            subjectLevels.put(subjectOrNullForGlobal, normalized);
        }
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        return Compatibility.isCompatible(level(subject), schema, history(subjects.getOrDefault(subject, List.of())));
    }

    private String level(String subject) {
        return subjectLevels.getOrDefault(subject, globalLevel);
    }

    private List<Schema> history(List<Integer> ids) {
        List<Schema> newestFirst = new ArrayList<>(ids.size());
        for (int i = ids.size() - 1; i >= 0; i--) {
            newestFirst.add(schemaById.get(ids.get(i)));
        }
        return newestFirst;
    }
}
