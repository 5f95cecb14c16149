package io.mnemo.kit.problems;

import io.dropwizard.core.Configuration;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.setup.Environment;

/** Replaces Dropwizard's default error bodies with problem+json for every error a service can produce. */
public final class ProblemJson {
    private ProblemJson() {
    }

    public static void install(Configuration configuration, Environment environment) {
        if (configuration.getServerFactory() instanceof AbstractServerFactory server) {
            // Dropwizard's own mappers answer {"code","message"}; ours answer RFC 9457 documents.
            server.setRegisterDefaultExceptionMappers(false);
        }
        environment.jersey().register(new ValidationProblemMapper());
        environment.jersey().register(new JsonProblemMapper());
        environment.jersey().register(new WebApplicationProblemMapper());
        environment.jersey().register(new UnexpectedProblemMapper());
    }
}
