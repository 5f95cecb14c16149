package io.mnemo.query.core;

import java.util.Locale;

/** Where a read was served from; reported to clients in {@code X-Mnemo-Read-Source}. */
public enum ReadSource {
    REPLICA, PRIMARY;

    public String header() {
        return name().toLowerCase(Locale.ROOT);
    }
}
