package io.mnemo.kit.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Refuses to start a service outside the {@code dev} profile with a secret left at its development value (empty,
 * or the default written in the service's YAML for {@code mnemo dev}): such a service would run with a password
 * anyone can guess or a cursor-signing key that is public.
 */
public final class DevSecrets {
    /** A secret setting, its value, and its development default (null when only empty is a dev value). */
    public record Setting(String name, String value, String devDefault) {
        boolean isDevValue() {
            return value == null || value.isBlank() || value.equals(devDefault);
        }
    }

    private DevSecrets() {
    }

    /** @throws IllegalStateException naming every setting to change, when the profile is not dev */
    public static void refuseOutsideDev(String profile, List<Setting> secrets) {
        if (ServiceConfiguration.DEV.equals(profile)) {
            return;
        }
        List<String> problems = new ArrayList<>();
        for (Setting secret : secrets) {
            if (secret.isDevValue()) {
                problems.add(secret.name() + (secret.value() == null || secret.value().isBlank() ? " is empty"
                        : " is the development default"));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Refusing to start in profile '" + profile + "': " + String.join("; ",
                    problems) + ". Set them from the environment or a secrets file (or MNEMO_PROFILE=dev on a "
                    + "development machine).");
        }
    }
}
