package io.mnemo.kit.auth;

import java.util.Set;

/** The scopes an API key can carry (ARCHITECTURE §6). */
public final class Scopes {
    public static final String MEMORIES_WRITE = "memories:write";
    public static final String MEMORIES_READ = "memories:read";
    public static final String MEDIA_WRITE = "media:write";
    public static final String ANALYTICS_READ = "analytics:read";
    public static final String OPS_ADMIN = "ops:admin";
    /** Irreversible erasure of a user: its own scope, so a producer's write key cannot erase a tenant's users. */
    public static final String USERS_ERASE = "users:erase";
    public static final Set<String> ALL = Set.of(MEMORIES_WRITE, MEMORIES_READ, MEDIA_WRITE, ANALYTICS_READ, OPS_ADMIN,
            USERS_ERASE);

    private Scopes() {
    }
}
