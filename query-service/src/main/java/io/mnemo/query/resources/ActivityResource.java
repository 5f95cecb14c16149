package io.mnemo.query.resources;

import io.mnemo.kit.auth.Caller;
import io.mnemo.kit.auth.RequiresScope;
import io.mnemo.kit.auth.Scopes;
import io.mnemo.kit.http.OpenApiDocs;
import io.mnemo.query.api.ActivityResponse;
import io.mnemo.query.api.TenantActivityResponse;
import io.mnemo.query.core.ActivityBucket;
import io.mnemo.query.core.ActivityDay;
import io.mnemo.query.core.Granularity;
import io.mnemo.query.core.InvalidQuery;
import io.mnemo.query.core.LogPosition;
import io.mnemo.query.core.MemoryQueries;
import io.mnemo.query.core.Read;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
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
@Tag(name = "activity", description = "Activity totals per UTC day: one user's days (memories:read), and a tenant's "
        + "days, ISO weeks or months for analysts (analytics:read).")
public final class ActivityResource {
    private final MemoryQueries queries;

    public ActivityResource(MemoryQueries queries) {
        this.queries = queries;
    }

    @GET
    @Path("/users/{userId}/activity")
    @RequiresScope(Scopes.MEMORIES_READ)
    @Operation(operationId = "getUserActivity", summary = "Get a user's activity per day",
            description = "Memories and media bytes per UTC day in [from, to); only days with activity are listed.",
            responses = {
                    @ApiResponse(responseCode = "200", description = "The user's days",
                            headers = {
                                    @Header(name = LogPosition.HEADER, description = QueryApiDocs.POSITION_ANSWERED,
                                            schema = @Schema(type = "string")),
                                    @Header(name = ReadHeaders.READ_SOURCE, description = QueryApiDocs.READ_SOURCE,
                                            schema = @Schema(type = "string"))},
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = ActivityResponse.class))),
                    @ApiResponse(responseCode = "400", ref = QueryApiDocs.INVALID_PARAMETER),
                    @ApiResponse(responseCode = "401", ref = QueryApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = QueryApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "429", ref = QueryApiDocs.RATE_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", ref = QueryApiDocs.UNAVAILABLE)})
    public Response user(@Context SecurityContext security,
                         @Parameter(description = QueryApiDocs.USER_ID) @PathParam("userId") String userId,
                         @Parameter(description = QueryApiDocs.FROM_DAY, schema = @Schema(type = "string",
                                 format = "date")) @QueryParam("from") String from,
                         @Parameter(description = QueryApiDocs.TO_DAY, schema = @Schema(type = "string",
                                 format = "date")) @QueryParam("to") String to,
                         @Parameter(description = QueryApiDocs.POSITION_REQUESTED, schema = @Schema(type = "string",
                                 pattern = QueryApiDocs.POSITION_PATTERN, example = QueryApiDocs.POSITION_EXAMPLE))
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
    @Operation(operationId = "getTenantActivity", summary = "Get the tenant's activity per day, week or month",
            description = "Memories, media bytes and distinct active users of the API key's tenant per bucket in "
                    + "[from, to); only non-empty buckets are listed. Not about one user, so no read position.",
            responses = {
                    @ApiResponse(responseCode = "200", description = "The tenant's buckets",
                            headers = @Header(name = ReadHeaders.READ_SOURCE, description = QueryApiDocs.READ_SOURCE,
                                    schema = @Schema(type = "string")),
                            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(implementation = TenantActivityResponse.class))),
                    @ApiResponse(responseCode = "400", ref = QueryApiDocs.INVALID_PARAMETER),
                    @ApiResponse(responseCode = "401", ref = QueryApiDocs.UNAUTHENTICATED),
                    @ApiResponse(responseCode = "403", ref = QueryApiDocs.FORBIDDEN),
                    @ApiResponse(responseCode = "429", ref = QueryApiDocs.RATE_LIMITED),
                    @ApiResponse(responseCode = "500", ref = OpenApiDocs.INTERNAL_ERROR),
                    @ApiResponse(responseCode = "503", ref = QueryApiDocs.UNAVAILABLE)})
    public Response tenant(@Context SecurityContext security,
                           @Parameter(description = QueryApiDocs.FROM_DAY, schema = @Schema(type = "string",
                                   format = "date")) @QueryParam("from") String from,
                           @Parameter(description = QueryApiDocs.TO_DAY, schema = @Schema(type = "string",
                                   format = "date")) @QueryParam("to") String to,
                           @Parameter(description = "Bucket size: a UTC day, an ISO week (starting on Monday) or a "
                                   + "calendar month.", schema = @Schema(type = "string",
                                   allowableValues = {"day", "week", "month"}, defaultValue = "day"))
                           @QueryParam("granularity") String granularity) {
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
        LocalDate date;
        try {
            date = LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidQuery(parameter, "must be a date such as 2026-11-01");
        }
        if (date.getYear() < 1 || date.getYear() > 9999) {
            throw new InvalidQuery(parameter, "must be in the years 0001 to 9999");
        }
        return Optional.of(date);
    }
}
