package io.mnemo.devstack;

import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Which infrastructure {@link Devstack#start(DevstackOptions)} runs: {@code embedded} (its own processes, the
 * default) or the name of a {@link ContainerInfrastructure.Provider} on the classpath ({@code testcontainers},
 * added by {@code -Ptestcontainers}). Chosen by the system property {@code mnemo.devstack.backend} or the variable
 * {@code MNEMO_DEVSTACK_BACKEND}. Asking for a backend that is not on the classpath fails: running the tests on
 * the embedded stack instead would hide that the profile is broken.
 */
public final class DevstackBackend {
    public static final String PROPERTY = "mnemo.devstack.backend";
    public static final String EMBEDDED = "embedded";

    private DevstackBackend() {
    }

    /** The provider to start, or empty for the embedded stack. */
    public static Optional<ContainerInfrastructure.Provider> selected() {
        String value = System.getProperty(PROPERTY, System.getenv().getOrDefault("MNEMO_DEVSTACK_BACKEND", EMBEDDED));
        return select(value, Thread.currentThread().getContextClassLoader());
    }

    static Optional<ContainerInfrastructure.Provider> select(String value, ClassLoader classLoader) {
        String backend = value == null || value.isBlank() ? EMBEDDED : value.trim().toLowerCase(Locale.ROOT);
        if (backend.equals(EMBEDDED)) {
            return Optional.empty();
        }
        for (ContainerInfrastructure.Provider provider : ServiceLoader.load(ContainerInfrastructure.Provider.class,
                classLoader)) {
            if (provider.name().equals(backend)) {
                return Optional.of(provider);
            }
        }
        throw new IllegalStateException(PROPERTY + "=" + backend + " but no such devstack backend is on the "
                + "classpath (for testcontainers, run Maven with -Ptestcontainers; or unset " + PROPERTY
                + " for the embedded stack)");
    }
}
