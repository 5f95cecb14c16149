package io.mnemo.kit.config;

import io.dropwizard.configuration.ConfigurationSourceProvider;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.setup.Bootstrap;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Configuration sources of every service: a YAML file path or a classpath resource name (the services ship
 * their default YAML), with strict {@code ${ENV}} substitution so a missing variable fails start-up;
 * {@code ${ENV:-default}} gives a default.
 */
public final class ConfigSources {
    private ConfigSources() {
    }

    public static void install(Bootstrap<?> bootstrap) {
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(new FileOrClasspath(),
                new EnvironmentVariableSubstitutor(true)));
    }

    /** Reads a file when one exists at the path, otherwise the classpath resource of that name. */
    static final class FileOrClasspath implements ConfigurationSourceProvider {
        @Override
        public InputStream open(String path) throws IOException {
            Path file = Path.of(path);
            if (Files.isRegularFile(file)) {
                return Files.newInputStream(file);
            }
            InputStream resource = Thread.currentThread().getContextClassLoader()
                    .getResourceAsStream(path.startsWith("/") ? path.substring(1) : path);
            if (resource == null) {
                throw new FileNotFoundException("No configuration file or classpath resource " + path);
            }
            return resource;
        }
    }
}
