package io.mnemo.processors.topology;

/** A user of a tenant: {@code tenant/user}, also the key of the user's events on the event log. */
record UserKey(String tenant, String user) {
    /** Prefix of every store key that belongs to the user. */
    String prefix() {
        return this + "/";
    }

    @Override
    public String toString() {
        return tenant + "/" + user;
    }
}
