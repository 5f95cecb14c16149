package io.mnemo.kit.problems;

import io.dropwizard.core.Configuration;
import io.dropwizard.core.server.AbstractServerFactory;
import io.dropwizard.core.setup.Environment;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

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
        // What Jetty refuses before Jersey sees the request (ambiguous or overlong URIs, bad header lines): the
        // application context's handler, and the server's, which Dropwizard sets while building the server, so it
        // is replaced as the server starts.
        environment.getApplicationContext().setErrorHandler(new ProblemErrorHandler());
        environment.lifecycle().addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarting(LifeCycle event) {
                if (event instanceof Server server) {
                    server.setErrorHandler(new ProblemErrorHandler());
                }
            }
        });
    }
}
