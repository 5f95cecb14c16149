package io.mnemo.ingest.resources;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.jackson.Jackson;
import io.mnemo.devstack.ServedOpenApi;
import io.mnemo.kit.problems.UnexpectedProblemMapper;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * The 500 every operation of both documents declares, checked against the answer the unexpected-error mapper
 * really builds. No real fault of a running service gives a 500 without a hook in production code, so this is the
 * one documented status the services' ITs ({@code IngestEndpointsIT}, {@code QueryServiceIT}) list as validated
 * here instead of by a real answer.
 */
class InternalErrorMatchesTheDocumentsTest {
    @Test
    void theUnexpectedErrorAnswerIsThe500EveryOperationDocuments() throws Exception {
        UnexpectedProblemMapper mapper = new UnexpectedProblemMapper();
        Field request = UnexpectedProblemMapper.class.getDeclaredField("request");
        request.setAccessible(true);
        request.set(mapper, Proxy.newProxyInstance(UriInfo.class.getClassLoader(), new Class<?>[] {UriInfo.class},
                (proxy, method, args) -> method.getName().equals("getPath") ? "v1/users/u-1/memories" : null));
        MDC.put("requestId", "0b6a4c44-5b0e-4d53-9d4c-1f1f8f0c2f6e");
        Response response;
        try {
            response = mapper.toResponse(new IllegalStateException("a fault nobody mapped"));
        } finally {
            MDC.remove("requestId");
        }
        String body = Jackson.newObjectMapper().writeValueAsString(response.getEntity());
        assertThat(response.getStatus()).isEqualTo(500);
        assertThat(body).contains("urn:mnemo:problem:internal-error").doesNotContain("a fault nobody mapped");

        int checked = 0;
        for (String name : List.of("ingest-api", "query-service")) {
            ServedOpenApi document = ServedOpenApi.committed(name + "-internal-error",
                    "clients/openapi/" + name + ".json");
            for (String pair : document.documentedStatuses()) {
                if (pair.endsWith(" 500")) {
                    document.assertDocuments(pair.substring(0, pair.indexOf(' ')), 500,
                            Map.of("Content-Type", List.of(String.valueOf(response.getMediaType()))), body);
                    checked++;
                }
            }
        }
        assertThat(checked).as("operations documenting a 500 in both documents").isEqualTo(12);
    }
}
