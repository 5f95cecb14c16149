package io.mnemo.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.jackson.Jackson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryConfigurationTest {
    private static QueryConfiguration withTemplate() {
        DataSourceFactory template = new DataSourceFactory();
        template.setDriverClass("org.postgresql.Driver");
        template.setUrl("jdbc:postgresql://127.0.0.1:5433/mnemo");
        template.setUser("postgres");
        template.setMaxSize(16);
        template.setProperties(Map.of("ApplicationName", "mnemo-query"));
        QueryConfiguration config = new QueryConfiguration();
        config.setReplicas(List.of(template));
        return config;
    }

    @Test
    void givesOnePoolPerReplicaUrlWithTheSettingsOfTheFirstReplicasEntry() {
        QueryConfiguration config = withTemplate();
        config.setReplicaUrls(" jdbc:postgresql://127.0.0.1:6001/mnemo, jdbc:postgresql://127.0.0.1:6002/mnemo ");

        List<DataSourceFactory> pools = config.replicaDataSources(Jackson.newObjectMapper());

        assertThat(pools).extracting(DataSourceFactory::getUrl).containsExactly(
                "jdbc:postgresql://127.0.0.1:6001/mnemo", "jdbc:postgresql://127.0.0.1:6002/mnemo");
        assertThat(pools).allSatisfy(pool -> {
            assertThat(pool.getMaxSize()).isEqualTo(16);
            assertThat(pool.getUser()).isEqualTo("postgres");
            assertThat(pool.getProperties()).containsEntry("ApplicationName", "mnemo-query");
        });
        assertThat(config.getReplicas().get(0).getUrl()).as("the template is left as written")
                .isEqualTo("jdbc:postgresql://127.0.0.1:5433/mnemo");
    }

    @Test
    void keepsTheReplicasAsWrittenWhenNoReplicaUrlsAreGiven() {
        QueryConfiguration config = withTemplate();
        config.setReplicaUrls("  ");

        assertThat(config.replicaDataSources(Jackson.newObjectMapper())).extracting(DataSourceFactory::getUrl)
                .containsExactly("jdbc:postgresql://127.0.0.1:5433/mnemo");
    }

    @Test
    void keepsTheReplicasAsWrittenWhenReplicaUrlsIsAbsent() {
        // MNEMO_PG_REPLICA_URLS unset gives an empty YAML value, which is null
        QueryConfiguration config = withTemplate();
        config.setReplicaUrls(null);

        assertThat(config.replicaDataSources(Jackson.newObjectMapper())).extracting(DataSourceFactory::getUrl)
                .containsExactly("jdbc:postgresql://127.0.0.1:5433/mnemo");
    }
}
