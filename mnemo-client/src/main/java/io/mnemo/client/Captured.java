package io.mnemo.client;

import java.util.UUID;

/** A memory durable in the log: its id, and the position that reads it back (the client remembers it). */
public record Captured(UUID memoryId, String position) {
}
