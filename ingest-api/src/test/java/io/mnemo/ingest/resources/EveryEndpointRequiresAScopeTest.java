package io.mnemo.ingest.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.mnemo.kit.auth.RequiresScope;
import jakarta.ws.rs.HttpMethod;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Authentication is opt-in per resource (@RequiresScope): this keeps a new endpoint from shipping without it. */
class EveryEndpointRequiresAScopeTest {
    private static final List<Class<?>> RESOURCES = List.of(MemoriesResource.class, BatchResource.class,
            UsersResource.class, MediaResource.class);

    @Test
    void everyHttpMethodOfEveryResourceNeedsAScope() {
        List<String> unprotected = new ArrayList<>();
        int endpoints = 0;
        for (Class<?> resource : RESOURCES) {
            for (Method method : resource.getDeclaredMethods()) {
                boolean endpoint = Arrays.stream(method.getAnnotations())
                        .anyMatch(a -> a.annotationType().isAnnotationPresent(HttpMethod.class));
                if (!endpoint) {
                    continue;
                }
                endpoints++;
                if (!method.isAnnotationPresent(RequiresScope.class) && !resource.isAnnotationPresent(RequiresScope.class)) {
                    unprotected.add(resource.getSimpleName() + "." + method.getName());
                }
            }
        }
        assertThat(endpoints).isGreaterThanOrEqualTo(6);
        assertThat(unprotected).as("endpoints without @RequiresScope").isEmpty();
    }
}
