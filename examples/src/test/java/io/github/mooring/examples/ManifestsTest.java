package io.github.mooring.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.github.mooring.examples.Manifests.Grant;
import io.github.mooring.examples.Manifests.Manifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifests in {@code src/k8s} cannot be applied on the build machines (no cluster), so they are checked here:
 * every object parses with the fabric8 model and holds together with the others, and the Role grants exactly what
 * Mooring's kubernetes source uses.
 */
class ManifestsTest {

    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    /** What the kubernetes source reads ({@code KubernetesSource}'s Javadoc lists the same rule). */
    static final Set<Grant> KUBERNETES_SOURCE_NEEDS = Set.of(
            new Grant("discovery.k8s.io", "endpointslices", "list"),
            new Grant("discovery.k8s.io", "endpointslices", "watch"),
            new Grant("", "endpoints", "list"),
            new Grant("", "endpoints", "watch"));

    private static List<Manifest> manifests;

    @BeforeAll
    static void load() {
        manifests = Manifests.load();
    }

    @Test
    void everyFileHoldsWellFormedObjectsOfKnownKinds() {
        assertThat(Manifests.files())
                .extracting(p -> p.getFileName().toString())
                .contains("redis.yaml", "rbac.yaml", "app.yaml");
        manifests.forEach(ManifestsTest::assertWellFormed);
        assertThat(manifests)
                .extracting(m -> m.object().getKind())
                .containsExactlyInAnyOrder(
                        "Service", "StatefulSet", "ServiceAccount", "Role", "RoleBinding", "Deployment", "Service");
    }

    /** A kind the fabric8 model knows, a DNS-label name, no namespace, no field the API does not know. */
    static void assertWellFormed(Manifest manifest) {
        HasMetadata object = manifest.object();
        assertThat(object.getClass().getPackageName())
                .as("%s is a kind the fabric8 model knows", manifest)
                .startsWith("io.fabric8.kubernetes.api.model");
        assertThat(object.getMetadata().getName()).as("%s: name", manifest).matches(DNS_LABEL);
        assertThat(object.getMetadata().getNamespace())
                .as("%s: no namespace, so that `kubectl -n` chooses it", manifest)
                .isNull();
        assertThat(Manifests.unknownFields(object))
                .as("%s: fields the API does not know", manifest)
                .isEmpty();
    }

    @Test
    void theRedisStatefulSetHasThreePodsBehindANamedPortWithProbesAndVolumes() {
        StatefulSet redis = Manifests.only(manifests, StatefulSet.class);
        Service service = serviceNamed(redis.getSpec().getServiceName());

        assertThat(service.getSpec().getClusterIP())
                .as("the governing Service is headless")
                .isEqualTo("None");
        assertThat(service.getSpec().getPorts())
                .extracting(ServicePort::getName)
                .contains("redis");
        assertThat(redis.getSpec().getReplicas()).isEqualTo(3);
        assertSelects(redis.getSpec().getSelector(), redis.getSpec().getTemplate(), redis);

        List<String> claims = redis.getSpec().getVolumeClaimTemplates().stream()
                .map(c -> c.getMetadata().getName())
                .toList();
        assertThat(claims).as("persistence: volume claim templates").isNotEmpty();
        Container container = only(redis.getSpec().getTemplate());
        assertThat(container.getVolumeMounts()).extracting(m -> m.getName()).containsAll(claims);
        assertThat(container.getReadinessProbe()).as("readiness probe").isNotNull();
        assertThat(String.join(" ", container.getReadinessProbe().getExec().getCommand()))
                .contains("redis-cli", "ping");
        assertThat(container.getLivenessProbe()).as("liveness probe").isNotNull();

        String startup = String.join(" ", container.getArgs());
        assertThat(startup)
                .as("pod 0 master, the others replicas of pod 0 by name, with persistence")
                .contains(
                        "${HOSTNAME##*-}",
                        "--replicaof \"redis-0." + service.getMetadata().getName() + ".",
                        "--appendonly yes",
                        "--dir /data");
    }

    @Test
    void everyServicePortIsNamedAndReachesANamedContainerPort() {
        for (Service service : Manifests.all(manifests, Service.class)) {
            PodTemplateSpec pods = workloadSelectedBy(service);
            Set<String> containerPorts = new HashSet<>();
            for (Container container : pods.getSpec().getContainers()) {
                container.getPorts().stream().map(ContainerPort::getName).forEach(containerPorts::add);
            }
            for (ServicePort port : service.getSpec().getPorts()) {
                assertThat(port.getName())
                        .as("%s: port %s has a name", service.getMetadata().getName(), port.getPort())
                        .matches(DNS_LABEL);
                assertThat(port.getTargetPort().getStrVal())
                        .as(
                                "%s: port %s targets a named container port",
                                service.getMetadata().getName(), port.getName())
                        .isIn(containerPorts);
            }
        }
    }

    @Test
    void everyContainerHasNamedPortsProbesAndResources() {
        List<PodTemplateSpec> templates = new ArrayList<>();
        Manifests.all(manifests, StatefulSet.class)
                .forEach(s -> templates.add(s.getSpec().getTemplate()));
        Manifests.all(manifests, Deployment.class)
                .forEach(d -> templates.add(d.getSpec().getTemplate()));
        for (PodTemplateSpec template : templates) {
            for (Container container : template.getSpec().getContainers()) {
                String name = container.getName();
                assertThat(container.getImage()).as("%s: image", name).isNotBlank();
                assertThat(container.getPorts())
                        .as("%s: ports", name)
                        .isNotEmpty()
                        .allSatisfy(port -> assertThat(port.getName())
                                .as("%s: port name", name)
                                .matches(DNS_LABEL));
                assertThat(container.getReadinessProbe())
                        .as("%s: readiness probe", name)
                        .isNotNull();
                assertThat(container.getLivenessProbe())
                        .as("%s: liveness probe", name)
                        .isNotNull();
                for (Probe probe : List.of(container.getReadinessProbe(), container.getLivenessProbe())) {
                    if (probe.getHttpGet() != null) {
                        assertThat(container.getPorts())
                                .extracting(ContainerPort::getName)
                                .as("%s: probe port", name)
                                .contains(probe.getHttpGet().getPort().getStrVal());
                    }
                }
                assertThat(container.getResources().getRequests())
                        .as("%s: resource requests", name)
                        .containsKeys("cpu", "memory");
                assertThat(container.getResources().getLimits())
                        .as("%s: memory limit", name)
                        .containsKey("memory");
            }
        }
    }

    @Test
    void theAppRunsAsTheBoundServiceAccountAndFindsRedisByService() {
        Deployment app = Manifests.only(manifests, Deployment.class);
        assertSelects(app.getSpec().getSelector(), app.getSpec().getTemplate(), app);
        String account = app.getSpec().getTemplate().getSpec().getServiceAccountName();
        assertThat(Manifests.all(manifests, ServiceAccount.class))
                .extracting(a -> a.getMetadata().getName())
                .containsExactly(account);
        assertThat(app.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken())
                .isNotEqualTo(false);

        Container container = only(app.getSpec().getTemplate());
        assertThat(container.getImage()).isEqualTo("mooring-example:0.1.0");
        String mooringService = env(container, "MOORING_SERVICE").getValue();
        StatefulSet redis = Manifests.only(manifests, StatefulSet.class);
        assertThat(mooringService)
                .as("MOORING_SERVICE names the Redis Service")
                .isEqualTo(redis.getSpec().getServiceName());
        assertThat(serviceNamed(mooringService).getSpec().getPorts())
                .extracting(ServicePort::getName)
                .as("Mooring's default port name")
                .contains("redis");

        SecretKeySelector appPassword =
                env(container, "SPRING_DATA_REDIS_PASSWORD").getValueFrom().getSecretKeyRef();
        SecretKeySelector redisPassword = env(only(redis.getSpec().getTemplate()), "REDIS_PASSWORD")
                .getValueFrom()
                .getSecretKeyRef();
        assertThat(appPassword)
                .as("the app's password comes from the Secret Redis uses")
                .isNotNull()
                .usingRecursiveComparison()
                .isEqualTo(redisPassword);
    }

    @Test
    void theRoleGrantsExactlyWhatTheKubernetesSourceUses() {
        Role role = Manifests.only(manifests, Role.class);
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getApiGroups()).as("API groups").doesNotContain("*");
            assertThat(rule.getResources())
                    .as("resources")
                    .doesNotContain("*")
                    .allSatisfy(r -> assertThat(r).as("no subresources").doesNotContain("/"));
            assertThat(rule.getVerbs()).as("verbs").doesNotContain("*");
            assertThat(rule.getResourceNames())
                    .as("resourceNames (list and watch cannot be limited by name)")
                    .isEmpty();
            assertThat(rule.getNonResourceURLs()).as("non-resource URLs").isEmpty();
        }
        assertThat(Manifests.grants(role)).containsExactlyInAnyOrderElementsOf(KUBERNETES_SOURCE_NEEDS);
        assertThat(manifests)
                .extracting(m -> m.object().getKind())
                .as("nothing cluster-wide")
                .doesNotContain("ClusterRole", "ClusterRoleBinding");
    }

    @Test
    void theRoleBindingGivesTheRoleToTheAppsServiceAccountOnly() {
        Role role = Manifests.only(manifests, Role.class);
        RoleBinding binding = Manifests.only(manifests, RoleBinding.class);
        String account = Manifests.only(manifests, Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getServiceAccountName();

        assertThat(binding.getRoleRef().getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
        assertThat(binding.getSubjects()).hasSize(1);
        Subject subject = binding.getSubjects().get(0);
        assertThat(subject.getKind()).isEqualTo("ServiceAccount");
        assertThat(subject.getName()).isEqualTo(account);
        assertThat(subject.getNamespace()).as("the binding's own namespace").isNull();
    }

    @Test
    void theDockerfileAndTheReadmeBuildTheImageTheDeploymentRuns() throws IOException {
        String image = only(Manifests.only(manifests, Deployment.class)
                        .getSpec()
                        .getTemplate())
                .getImage();
        Path examples = Manifests.directory().resolve("../../examples").normalize();
        Path readme = Manifests.directory().resolve("../../README.md").normalize();

        assertThat(Files.readString(examples.resolve("Dockerfile"))).contains("-t " + image);
        assertThat(Files.readString(readme)).contains("-t " + image, "apply -f src/k8s/");
    }

    @Test
    void theChecksCatchMisspeltFieldsAndWideRoles(@TempDir Path dir) throws IOException {
        // fabric8 accepts unknown fields quietly; the checks above must not.
        Path file = dir.resolve("too-wide.yaml");
        Files.writeString(file, """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata:
                  name: too-wide
                rules:
                  - apiGroups: ["*"]
                    resources: ["endpointslices"]
                    verbs: ["list", "watch", "get"]
                    resourceNamez: ["redis"]
                """);
        Role role = (Role) Manifests.parse(file).get(0);

        assertThat(Manifests.unknownFields(role)).containsExactly(".rules[0].resourceNamez");
        assertThat(Manifests.grants(role))
                .contains(new Grant("*", "endpointslices", "get"))
                .doesNotContainAnyElementsOf(KUBERNETES_SOURCE_NEEDS);
    }

    private static Service serviceNamed(String name) {
        return Manifests.all(manifests, Service.class).stream()
                .filter(s -> s.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Service named " + name + " in src/k8s"));
    }

    /** The one workload whose pods the Service's selector picks. */
    private static PodTemplateSpec workloadSelectedBy(Service service) {
        Map<String, String> selector = service.getSpec().getSelector();
        assertThat(selector).as("%s: selector", service.getMetadata().getName()).isNotEmpty();
        List<PodTemplateSpec> matches = new ArrayList<>();
        Manifests.all(manifests, StatefulSet.class)
                .forEach(s -> matches.add(s.getSpec().getTemplate()));
        Manifests.all(manifests, Deployment.class)
                .forEach(d -> matches.add(d.getSpec().getTemplate()));
        matches.removeIf(t -> !t.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()));
        assertThat(matches)
                .as(
                        "%s selects the pods of exactly one workload",
                        service.getMetadata().getName())
                .hasSize(1);
        return matches.get(0);
    }

    private static void assertSelects(LabelSelector selector, PodTemplateSpec template, HasMetadata owner) {
        String name = owner.getKind() + "/" + owner.getMetadata().getName();
        assertThat(selector.getMatchExpressions())
                .as("%s: plain label selector", name)
                .isEmpty();
        assertThat(selector.getMatchLabels()).as("%s: selector", name).isNotEmpty();
        assertThat(template.getMetadata().getLabels())
                .as("%s: its selector matches its pod template", name)
                .containsAllEntriesOf(selector.getMatchLabels());
    }

    private static Container only(PodTemplateSpec template) {
        assertThat(template.getSpec().getContainers()).hasSize(1);
        return template.getSpec().getContainers().get(0);
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream()
                .filter(e -> Objects.equals(e.getName(), name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " has no env " + name));
    }
}
