package io.mnemo.ingest.core;

/**
 * Port: the users' data keys, under which every memory's personal fields are sealed before they reach the log.
 * Deleting a user's key is what erases the user's content from every event, change and dead letter at once
 * (crypto-shredding).
 */
public interface UserKeys {
    /**
     * Makes sure the user may be written to (making the user's key on the first write).
     *
     * @throws UserGone           when the user was erased
     * @throws IngestUnavailable  when the keys cannot be read for a user not known yet
     */
    void requireWritable(TenantId tenant, UserId user);

    /** Deletes the user's key for good (idempotent). @throws IngestUnavailable when it cannot be done now */
    void erase(TenantId tenant, UserId user);
}
