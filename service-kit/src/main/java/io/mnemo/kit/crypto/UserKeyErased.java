package io.mnemo.kit.crypto;

/** The user was erased: the data key is gone and is never made again. */
public final class UserKeyErased extends RuntimeException {
    public UserKeyErased(UserRef user) {
        super("user " + user.user() + " of tenant " + user.tenant() + " was erased");
    }
}
