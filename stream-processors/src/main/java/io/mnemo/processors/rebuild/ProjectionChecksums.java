package io.mnemo.processors.rebuild;

import io.mnemo.kit.db.Daos;
import io.mnemo.processors.db.CatalogDao;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;

/**
 * Row counts and an order-independent content checksum of the memories projection per tenant: the sum, modulo
 * 2^64, of a 64-bit hash of each row's data. Sink bookkeeping (source position, projection time) is left out:
 * two copies that applied the same changes in different batches hold the same data but not the same
 * bookkeeping. So is the place a deleted memory's locator row remembers, which depends on batching too. The
 * statements name the schema and the compared columns, so they are built here.
 */
final class ProjectionChecksums {
    private static final BigInteger MOD = BigInteger.ONE.shiftLeft(64);
    private static final Set<String> BOOKKEEPING = Set.of("source_partition", "source_offset", "projected_at");

    /** One tenant's figures: rows and checksum of memories, of memory_locator. */
    record TenantSum(long memories, BigInteger memoriesSum, long locators, BigInteger locatorsSum) {
    }

    private ProjectionChecksums() {
    }

    /** Figures per tenant of the projection tables in {@code schema}. */
    static Map<String, TenantSum> of(Handle handle, String schema) {
        // the live table's columns, for both copies: a column missing from one fails loudly
        String columns = String.join(", ", dataColumns(handle, CandidateSchema.LIVE));
        Map<String, Object[]> memories = perTenant(handle, "ROW(" + columns + ")", schema + ".memories");
        Map<String, Object[]> locators = perTenant(handle,
                "ROW(user_id, memory_id, version, deleted, CASE WHEN deleted THEN NULL ELSE occurred_at END)",
                schema + ".memory_locator");
        Set<String> tenants = new TreeSet<>(memories.keySet());
        tenants.addAll(locators.keySet());
        Map<String, TenantSum> figures = new TreeMap<>();
        Object[] none = {0L, BigInteger.ZERO};
        for (String tenant : tenants) {
            Object[] m = memories.getOrDefault(tenant, none);
            Object[] l = locators.getOrDefault(tenant, none);
            figures.put(tenant, new TenantSum((Long) m[0], (BigInteger) m[1], (Long) l[0], (BigInteger) l[1]));
        }
        return figures;
    }

    /** Per tenant: {rows, checksum} of {@code row} over {@code table}. */
    private static Map<String, Object[]> perTenant(Handle handle, String row, String table) {
        Map<String, Object[]> sums = new TreeMap<>();
        handle.createQuery("SELECT tenant_id, count(*), " + hashSum(row) + " FROM " + table + " GROUP BY tenant_id")
                .map((rs, ctx) -> Map.entry(rs.getString(1), new Object[] {rs.getLong(2), mod(rs.getBigDecimal(3))}))
                .forEach(e -> sums.put(e.getKey(), e.getValue()));
        return sums;
    }

    /** The tenants whose figures differ between the two (present in one only included). */
    static List<String> differingTenants(Map<String, TenantSum> a, Map<String, TenantSum> b) {
        Set<String> tenants = new TreeSet<>(a.keySet());
        tenants.addAll(b.keySet());
        List<String> differing = new ArrayList<>();
        for (String tenant : tenants) {
            if (!java.util.Objects.equals(a.get(tenant), b.get(tenant))) {
                differing.add(tenant);
            }
        }
        return differing;
    }

    /** Rows and checksum over every tenant (for reports). */
    static TenantSum total(Map<String, TenantSum> figures) {
        long memories = 0;
        long locators = 0;
        BigInteger memoriesSum = BigInteger.ZERO;
        BigInteger locatorsSum = BigInteger.ZERO;
        for (TenantSum sum : figures.values()) {
            memories += sum.memories();
            locators += sum.locators();
            memoriesSum = memoriesSum.add(sum.memoriesSum()).mod(MOD);
            locatorsSum = locatorsSum.add(sum.locatorsSum()).mod(MOD);
        }
        return new TenantSum(memories, memoriesSum, locators, locatorsSum);
    }

    /** Columns of memories compared: all but the sink's bookkeeping, in table order. */
    private static List<String> dataColumns(Handle handle, String schema) {
        List<String> columns = new ArrayList<>();
        for (String column : Daos.attach(handle, CatalogDao.class).columns(schema + ".memories")) {
            if (!BOOKKEEPING.contains(column) && !column.equals("tenant_id")) {
                columns.add(column);
            }
        }
        return columns;
    }

    /** Sum of the first 64 bits of each row text's MD5, as a numeric (no overflow), reduced mod 2^64 in Java. */
    private static String hashSum(String row) {
        return "coalesce(sum(('x' || left(md5(" + row + "::text), 16))::bit(64)::bigint::numeric), 0)";
    }

    private static BigInteger mod(java.math.BigDecimal value) {
        return value.toBigIntegerExact().mod(MOD);
    }
}
