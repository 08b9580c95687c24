package io.github.mooring.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Test;

/** Mooring's own fabric8 clients: one per API configuration, given back by each user, closed with the last. */
class KubernetesApiTest {

    private static Config config(String token) {
        return new ConfigBuilder(Config.empty())
                .withMasterUrl("https://127.0.0.1:6443")
                .withOauthToken(token)
                .build();
    }

    @Test
    void equalConfigurationsShareOneClientUntilTheLastUserGivesItBack() {
        int before = KubernetesApi.openClients();
        KubernetesApi first = KubernetesApi.owned(config("token-a"));
        KubernetesApi second = KubernetesApi.owned(config("token-a"));

        assertThat(second.client()).isSameAs(first.client());
        assertThat(KubernetesApi.openClients()).isEqualTo(before + 1);

        first.close();
        first.close(); // a second close gives nothing back twice
        assertThat(KubernetesApi.openClients()).isEqualTo(before + 1);

        second.close();
        assertThat(KubernetesApi.openClients()).isEqualTo(before);
        KubernetesApi third = KubernetesApi.owned(config("token-a"));
        assertThat(third.client()).as("a new client once the last was closed").isNotSameAs(first.client());
        third.close();
    }

    @Test
    void configurationsThatDifferInCredentialsGetClientsOfTheirOwn() {
        try (KubernetesApi a = KubernetesApi.owned(config("token-a"));
                KubernetesApi b = KubernetesApi.owned(config("token-b"))) {
            assertThat(b.client()).isNotSameAs(a.client());
        }
    }

    @Test
    void ownClientsWatchOverHttpNotWebSockets() {
        try (KubernetesApi api = KubernetesApi.owned(config("token-a"))) {
            assertThat(api.client().getConfiguration().getOnlyHttpWatches()).isTrue();
        }
    }

    @Test
    void theApplicationsClientIsNeverClosed() {
        try (KubernetesClient application =
                new KubernetesClientBuilder().withConfig(config("token-a")).build()) {
            KubernetesApi api = KubernetesApi.shared(application);
            api.close();
            assertThat(api.client()).isSameAs(application);
            assertThat(application.getHttpClient().isClosed()).isFalse();
        }
    }
}
