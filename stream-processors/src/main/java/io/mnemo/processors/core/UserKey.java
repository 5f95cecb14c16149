package io.mnemo.processors.core;

/** A user of a tenant: {@code tenant/user}, also the key of the user's events on the event log. */
public record UserKey(String tenant, String user) {
    /** Prefix of every store key that belongs to the user. */
    public String prefix() {
        return this + "/";
    }

    @Override
    public String toString() {
        return tenant + "/" + user;
    }
}
