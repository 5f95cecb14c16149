package io.mnemo.ingest.api;

/**
 * Answer to a staged upload: the id to reference from memories, and what the service verified about the bytes
 * (their SHA-256 in lower-case hex, size and sniffed content type).
 */
public record MediaAccepted(String mediaId, String sha256, long size, String contentType) {
}
