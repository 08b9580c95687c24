package io.github.mooring.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.github.mooring.examples.Manifests.Manifest;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis Cluster manifests of {@code src/k8s-cluster}, parsed as {@code kubectl} would read them: 6 cluster pods
 * that keep their node ID on their volume and announce their pod IP, a Job that creates the cluster, and the example
 * application with nothing but {@code MOORING_SERVICE} changed, running as the ServiceAccount of {@code src/k8s}.
 */
class ClusterManifestsTest {

    private static List<Manifest> manifests;

    @BeforeAll
    static void load() {
        manifests = Manifests.load(Manifests.directory("src/k8s-cluster"));
    }

    @Test
    void everyFileHoldsWellFormedObjectsOfKnownKinds() {
        manifests.forEach(ManifestsTest::assertWellFormed);
        assertThat(manifests)
                .extracting(m -> m.object().getKind())
                .containsExactlyInAnyOrder("Service", "StatefulSet", "Job", "Deployment", "Service");
    }

    @Test
    void sixClusterPodsKeepTheirNodeIdOnTheirVolumeAndAnnounceTheirPodIp() {
        StatefulSet cluster = Manifests.only(manifests, StatefulSet.class);
        Service service = serviceNamed(cluster.getSpec().getServiceName());
        assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(service.getSpec().getPorts())
                .extracting(ServicePort::getName)
                .contains("redis", "bus");
        assertThat(cluster.getSpec().getReplicas()).isEqualTo(6);

        Container redis = only(cluster.getSpec().getTemplate().getSpec().getContainers());
        assertThat(String.join(" ", redis.getArgs()))
                .contains(
                        "--cluster-enabled yes",
                        "--cluster-config-file /data/nodes.conf",
                        "--cluster-announce-ip \"$POD_IP\"",
                        "--appendonly yes");
        assertThat(env(redis, "POD_IP").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("status.podIP");
        assertThat(redis.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/data");
        assertThat(cluster.getSpec().getVolumeClaimTemplates()).isNotEmpty();

        Job create = Manifests.only(manifests, Job.class);
        assertThat(String.join(
                        " ",
                        only(create.getSpec().getTemplate().getSpec().getContainers())
                                .getArgs()))
                .contains(
                        "redis-cli --cluster create",
                        "--cluster-replicas 1",
                        "." + service.getMetadata().getName());
    }

    @Test
    void theExampleApplicationNamesTheClusterServiceAndNothingElseChanges() {
        Deployment app = Manifests.only(manifests, Deployment.class);
        Deployment replicationApp = Manifests.only(Manifests.load(), Deployment.class);
        Container container = only(app.getSpec().getTemplate().getSpec().getContainers());
        Container replicationContainer =
                only(replicationApp.getSpec().getTemplate().getSpec().getContainers());

        assertThat(env(container, "MOORING_SERVICE").getValue())
                .isEqualTo(
                        Manifests.only(manifests, StatefulSet.class).getSpec().getServiceName());
        assertThat(container.getImage()).isEqualTo(replicationContainer.getImage());
        assertThat(container.getEnv())
                .filteredOn(e -> !e.getName().equals("MOORING_SERVICE"))
                .isEqualTo(replicationContainer.getEnv().stream()
                        .filter(e -> !e.getName().equals("MOORING_SERVICE"))
                        .toList());
        assertThat(app.getSpec().getTemplate().getSpec().getServiceAccountName())
                .as("the ServiceAccount of src/k8s/rbac.yaml")
                .isIn(Manifests.all(Manifests.load(), ServiceAccount.class).stream()
                        .map(account -> account.getMetadata().getName())
                        .toList());
    }

    private static Service serviceNamed(String name) {
        return Manifests.all(manifests, Service.class).stream()
                .filter(service -> service.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Service " + name));
    }

    private static Container only(List<Container> containers) {
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream()
                .filter(e -> Objects.equals(e.getName(), name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no env " + name));
    }
}
