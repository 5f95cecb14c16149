package io.mnemo.ingest.core;

/** The user was erased: nothing more is written for them (410 Gone). */
public final class UserGone extends IngestException {
    private final String userId;

    public UserGone(UserId user) {
        super("user " + user.value() + " was erased; nothing more can be written for them");
        this.userId = user.value();
    }

    public String userId() {
        return userId;
    }
}
