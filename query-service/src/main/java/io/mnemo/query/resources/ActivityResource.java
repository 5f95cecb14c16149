package io.mnemo.query.resources;

import io.mnemo.kit.auth.Caller;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.query.api.ActivityResponse;
import io.mnemo.query.api.TenantActivityResponse;
import io.mnemo.query.core.ActivityBucket;
import io.mnemo.query.core.ActivityDay;
import io.mnemo.query.core.Granularity;
import io.mnemo.query.core.InvalidQuery;
import io.mnemo.query.core.LogPosition;
import io.mnemo.query.core.MemoryQueries;
import io.mnemo.query.core.Read;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/** Activity totals from user_activity_daily: one user's days, and a tenant's buckets for analysts. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public final class ActivityResource {
    private final MemoryQueries queries;

    public ActivityResource(MemoryQueries queries) {
        this.queries = queries;
    }

    @GET
    @Path("/users/{userId}/activity")
    @RequiresScope(Scopes.MEMORIES_READ)
    public Response user(@Context SecurityContext security, @PathParam("userId") String userId,
                         @QueryParam("from") String from, @QueryParam("to") String to,
                         @HeaderParam(LogPosition.HEADER) String position) {
        MemoryQueries.DayRange range = queries.range(date("from", from), date("to", to));
        Read<List<ActivityDay>> days = queries.activity(Caller.of(security).tenantId(), userId, range,
                ReadHeaders.requested(position));
        return ReadHeaders.ok(days, new ActivityResponse(range.from(), range.to(), days.value().stream()
                .map(d -> new ActivityResponse.Day(d.day(), d.memories(), d.mediaBytes())).toList())).build();
    }

    @GET
    @Path("/analytics/activity")
    @RequiresScope(Scopes.ANALYTICS_READ)
    public Response tenant(@Context SecurityContext security, @QueryParam("from") String from,
                           @QueryParam("to") String to, @QueryParam("granularity") String granularity) {
        Granularity buckets = Granularity.parse(granularity);
        MemoryQueries.DayRange range = queries.range(date("from", from), date("to", to));
        Read<List<ActivityBucket>> read = queries.tenantActivity(Caller.of(security).tenantId(), range, buckets);
        return ReadHeaders.ok(read, new TenantActivityResponse(range.from(), range.to(), buckets.field(),
                read.value().stream().map(b -> new TenantActivityResponse.Bucket(b.start(), b.memories(),
                        b.mediaBytes(), b.activeUsers())).toList())).build();
    }

    private static Optional<LocalDate> date(String parameter, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(value));
        } catch (DateTimeParseException e) {
            throw new InvalidQuery(parameter, "must be a date such as 2026-11-01");
        }
    }
}
