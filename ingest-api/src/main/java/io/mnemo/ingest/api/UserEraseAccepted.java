package io.mnemo.ingest.api;

/** Answer to {@code DELETE /v1/users/{userId}}: the erasure is durable in the log at {@code position}. */
public record UserEraseAccepted(String userId, String position) {
}
