package io.mnemo.kit.crypto;

/** A tenant's user: whose data key it is. */
public record UserRef(String tenant, String user) {
}
