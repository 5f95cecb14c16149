package io.mnemo.kit.auth;

import java.util.List;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.QueryTimeOut;
import org.jdbi.v3.sqlobject.statement.SqlQuery;

/** The statement of {@code rate_limit_buckets} (migration V16); {@link LeasedBuckets} holds the rules around it. */
public interface RateLimitBucketDao {
    /** One bucket's grant. */
    record Grant(String bucket, long granted) {
    }

    /**
     * Takes up to {@code wants[i]} whole tokens from each bucket (at most what it holds after refilling it by its
     * rate since its last change, capped at its burst; a new bucket starts full), in one atomic statement, and
     * returns what each gave. The buckets are locked in name order, so two instances leasing the same keys cannot
     * deadlock. Only the database's clock is used.
     */
    @SqlQuery("""
            INSERT INTO rate_limit_buckets AS b (bucket, rate, burst, tokens, updated_at, granted)
            SELECT r.bucket, r.rate, r.burst, r.burst - LEAST(r.want, r.burst), now(), LEAST(r.want, r.burst)
            FROM unnest(CAST(:buckets AS text[]), CAST(:wants AS bigint[]), CAST(:rates AS double precision[]),
                        CAST(:bursts AS double precision[])) AS r(bucket, want, rate, burst)
            ORDER BY r.bucket
            ON CONFLICT (bucket) DO UPDATE SET
                rate = EXCLUDED.rate,
                burst = EXCLUDED.burst,
                granted = FLOOR(LEAST(EXCLUDED.granted, EXCLUDED.burst, b.tokens
                        + EXCLUDED.rate * CAST(EXTRACT(EPOCH FROM now() - b.updated_at) AS double precision))),
                tokens = LEAST(EXCLUDED.burst, b.tokens
                        + EXCLUDED.rate * CAST(EXTRACT(EPOCH FROM now() - b.updated_at) AS double precision))
                    - FLOOR(LEAST(EXCLUDED.granted, EXCLUDED.burst, b.tokens
                        + EXCLUDED.rate * CAST(EXTRACT(EPOCH FROM now() - b.updated_at) AS double precision))),
                updated_at = now()
            RETURNING bucket, granted""")
    @QueryTimeOut(2)
    @RegisterConstructorMapper(Grant.class)
    List<Grant> lease(@Bind("buckets") String[] buckets, @Bind("wants") Long[] wants, @Bind("rates") Double[] rates,
                      @Bind("bursts") Double[] bursts);
}
