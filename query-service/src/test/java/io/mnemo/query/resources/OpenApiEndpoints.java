package io.mnemo.query.resources;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import jakarta.ws.rs.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.glassfish.jersey.server.model.Resource;
import org.glassfish.jersey.server.model.ResourceMethod;

/**
 * Every HTTP endpoint the JAX-RS resources of a package declare, as Jersey models them, so a test of the OpenAPI
 * document covers a resource added later without being told about it.
 */
final class OpenApiEndpoints {
    /** One operation: its OpenAPI path template and lower-case HTTP method. */
    record Endpoint(String path, String method) {
        @Override
        public String toString() {
            return method.toUpperCase(Locale.ROOT) + " " + path;
        }
    }

    private OpenApiEndpoints() {
    }

    static List<Endpoint> of(String resourcePackage) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (JavaClass type : new ClassFileImporter().withImportOption(new ImportOption.DoNotIncludeTests())
                .importPackages(resourcePackage)) {
            if (type.isAnnotatedWith(Path.class)) {
                collect(Resource.from(type.reflect()), "", endpoints);
            }
        }
        if (endpoints.isEmpty()) {
            throw new AssertionError("no JAX-RS resources found in " + resourcePackage);
        }
        return endpoints;
    }

    private static void collect(Resource resource, String parent, List<Endpoint> endpoints) {
        String path = join(parent, resource.getPath());
        for (ResourceMethod method : resource.getResourceMethods()) {
            endpoints.add(new Endpoint(path, method.getHttpMethod().toLowerCase(Locale.ROOT)));
        }
        for (Resource child : resource.getChildResources()) {
            collect(child, path, endpoints);
        }
    }

    private static String join(String parent, String path) {
        String joined = (parent + "/" + (path == null ? "" : path)).replaceAll("/+", "/");
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }
}
