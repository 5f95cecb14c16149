package io.mnemo.query.core;

/** A media of a user as the media projection holds it: the content-addressed object it is stored as. */
public record MediaObject(String mediaId, String sha256, String contentType, long size, String objectKey) {
}
