package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.github.mooring.testkit.RedisPod.Deletion;
import io.github.mooring.testkit.RedisPod.Phase;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pods: start order and roles, replacement versus container restart, persistence, freeze, manual rewiring, auth; each
 * on both {@linkplain PodRuntime runtimes}, processes and containers.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class PodLifecycleIT {

    private static final Duration READY = Duration.ofSeconds(30);

    private final LettuceClients lettuce = new LettuceClients();

    @AfterEach
    void closeClients() {
        lettuce.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void threePodSetStartsWithPodZeroAsMasterAndTheOthersAsLinkedReplicas(PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).replicas(3).start();

        assertThat(redis.pods()).extracting(RedisPod::name).containsExactly("redis-0", "redis-1", "redis-2");
        assertThat(redis.pods()).allSatisfy(pod -> {
            assertThat(pod.phase()).isEqualTo(Phase.RUNNING);
            assertThat(pod.isReady()).isTrue();
            assertThat(pod.generation()).isEqualTo(1);
            assertThat(pod.restarts()).isZero();
            assertThat(pod.ip()).startsWith("127.");
            assertThat(pod.address()).isEqualTo(pod.ip() + ":6379");
        });
        assertThat(redis.pods()).extracting(RedisPod::ip).doesNotHaveDuplicates();

        RedisPod master = redis.pod(0);
        assertThat(master.role()).isEqualTo("master");
        assertThat(redis.master()).contains(master);
        assertThat(master.info("replication")).containsEntry("connected_slaves", "2");
        for (RedisPod replica : redis.pods().subList(1, 3)) {
            assertThat(replica.info("replication"))
                    .containsEntry("role", "slave")
                    .containsEntry("master_host", master.ip())
                    .containsEntry("master_port", "6379")
                    .containsEntry("master_link_status", "up");
            assertThat(replica.command("SET", "k", "v")).asString().startsWith("READONLY");
        }

        assertThat(master.command("SET", "greeting", "hello")).isEqualTo("OK");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(redis.pod(1).command("GET", "greeting")).isEqualTo("hello");
            assertThat(redis.pod(2).command("GET", "greeting")).isEqualTo("hello");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void replacementGetsANewIpAndUidWhileAContainerRestartKeepsTheIp(PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).replicas(2).start();
        RedisPod pod = redis.pod(1);
        Set<String> usedIps = new HashSet<>();
        redis.pods().forEach(p -> usedIps.add(p.ip()));
        String ip = pod.ip();
        String uid = pod.uid();
        long pid = pod.pid();

        // Container restart: same pod object, same IP, a new process, restarts + 1.
        pod.restartContainer(Duration.ofMillis(200));
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        pod.awaitReady(READY);
        assertThat(pod.ip()).isEqualTo(ip);
        assertThat(pod.uid()).isEqualTo(uid);
        assertThat(pod.generation()).isEqualTo(1);
        assertThat(pod.restarts()).isEqualTo(1);
        assertThat(pod.pid()).isNotEqualTo(pid);

        // Replacement: a new pod object with the same name, a new never-used IP and a new UID.
        pod.replace(Deletion.KILL, Duration.ofMillis(200));
        pod.awaitReady(READY);
        String secondIp = pod.ip();
        assertThat(secondIp).isNotIn(usedIps);
        assertThat(pod.uid()).isNotEqualTo(uid);
        assertThat(pod.generation()).isEqualTo(2);
        assertThat(pod.restarts()).isZero();
        usedIps.add(secondIp);

        try (KubernetesClient client = ns.api().newClient()) {
            Pod object = client.pods().withName("redis-1").get();
            assertThat(object.getStatus().getPodIP()).isEqualTo(secondIp);
            assertThat(object.getMetadata().getUid()).isEqualTo(pod.uid());
        }

        // Again, gracefully: still an IP never seen before.
        String secondUid = pod.uid();
        pod.replace(Deletion.GRACEFUL, Duration.ZERO);
        pod.awaitReady(READY);
        assertThat(pod.ip()).isNotIn(usedIps);
        assertThat(pod.uid()).isNotIn(uid, secondUid);
        assertThat(pod.generation()).isEqualTo(3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void withPersistenceDataSurvivesReplacementAndRestart(PodRuntime runtime, SimulatedNamespace ns) {
        // appendfsync always: every acknowledged write is in the AOF before the process is killed.
        RedisStatefulSet redis = ns.redis("redis")
                .runtime(runtime)
                .replicas(1)
                .persistence(true)
                .config("appendfsync always")
                .start();
        RedisPod pod = redis.pod(0);
        assertThat(pod.command("SET", "survivor", "yes")).isEqualTo("OK");
        String firstIp = pod.ip();

        pod.replace(Deletion.KILL, Duration.ofMillis(200));
        pod.awaitReady(READY);
        assertThat(pod.ip()).isNotEqualTo(firstIp);
        assertThat(pod.command("GET", "survivor")).isEqualTo("yes");

        assertThat(pod.command("SET", "second", "also")).isEqualTo("OK");
        pod.restartContainer(Duration.ofMillis(200));
        pod.awaitReady(READY);
        assertThat(pod.command("GET", "survivor")).isEqualTo("yes");
        assertThat(pod.command("GET", "second")).isEqualTo("also");
        assertThat(pod.dbSize()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void withoutPersistenceARestartedContainerComesBackEmpty(PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).replicas(1).start();
        RedisPod pod = redis.pod(0);
        assertThat(pod.command("SET", "ephemeral", "1")).isEqualTo("OK");
        assertThat(pod.dbSize()).isEqualTo(1);
        String ip = pod.ip();

        pod.restartContainer(Duration.ofMillis(200));
        pod.awaitReady(READY);

        assertThat(pod.ip()).isEqualTo(ip);
        assertThat(pod.dbSize()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void stoppedContainerStaysDownUntilStarted(PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).replicas(1).start();
        RedisPod pod = redis.pod(0);
        String ip = pod.ip();

        pod.stopContainer();
        assertThat(pod.phase()).isEqualTo(Phase.CRASHED);
        assertThat(pod.isReady()).isFalse();
        assertThatThrownBy(pod::pid).isInstanceOf(IllegalStateException.class);
        await().during(Duration.ofMillis(800))
                .atMost(Duration.ofSeconds(5))
                .until(() -> pod.phase() == Phase.CRASHED && !pod.isReady());

        pod.startContainer();
        pod.awaitReady(READY);
        assertThat(pod.ip()).isEqualTo(ip);
        assertThat(pod.restarts()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void frozenPodAnswersNothingAndIsNotReadyUntilThawed(PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).replicas(1).start();
        RedisPod pod = redis.pod(0);
        StatefulRedisConnection<String, String> connection = lettuce.connect(pod, null);
        assertThat(connection.sync().ping()).isEqualTo("PONG");

        pod.freeze();
        assertThat(pod.isFrozen()).isTrue();
        assertThat(pod.phase()).isEqualTo(Phase.RUNNING);
        assertThatThrownBy(() -> connection.sync().ping()).isInstanceOf(RedisCommandTimeoutException.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> !pod.isReady());
        assertThat(redis.endpoints().endpoints()).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.ip()).isEqualTo(pod.ip());
            assertThat(endpoint.ready()).isFalse();
        });

        pod.thaw();
        assertThat(pod.isFrozen()).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(pod::isReady);
        assertThat(connection.sync().ping()).isEqualTo("PONG");
        assertThat(redis.endpoints().readyIps()).containsExactly(pod.ip());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void promoteAndReplicaOfRewireReplication(PodRuntime runtime, SimulatedNamespace ns) {
        RedisStatefulSet redis = ns.redis("redis").runtime(runtime).replicas(3).start();
        RedisPod first = redis.pod(0);
        RedisPod second = redis.pod(1);
        RedisPod third = redis.pod(2);

        third.promote();
        assertThat(third.role()).isEqualTo("master");
        assertThat(redis.masters()).containsExactlyInAnyOrder(first, third);
        assertThat(redis.master()).isEmpty();
        assertThat(third.command("SET", "written-on", "third")).isEqualTo("OK");

        second.replicaOf(third);
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(second.info("replication"))
                        .containsEntry("master_host", third.ip())
                        .containsEntry("master_link_status", "up"));
        assertThat(second.command("GET", "written-on")).isEqualTo("third");

        third.replicaOf(first);
        assertThat(third.role()).isEqualTo("slave");
        assertThat(redis.master()).contains(first);
        await().atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(third.info("replication"))
                        .containsEntry("master_host", first.ip())
                        .containsEntry("master_link_status", "up"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void podsRequireThePassword(PodRuntime runtime, SimulatedNamespace ns) throws Exception {
        Credentials credentials = Credentials.password("s3cret pass");
        RedisStatefulSet redis = ns.redis("redis")
                .runtime(runtime)
                .replicas(2)
                .credentials(credentials)
                .start();
        RedisPod master = redis.pod(0);
        assertThat(redis.credentials()).isEqualTo(credentials);
        // The replica authenticated to its master (masterauth) and the kit's own commands authenticate.
        assertThat(redis.pod(1).info("replication")).containsEntry("master_link_status", "up");

        // Asked over plain RESP: what the server answers, not how a client library reports a refused handshake
        // (Lettuce sometimes reports a refused HELLO as "Connection closed prematurely").
        assertThat(Resp.once(master.ip(), master.port(), Duration.ofSeconds(5), Resp.Access.NONE, "SET", "k", "v"))
                .asString()
                .startsWith("NOAUTH");
        assertThat(Resp.once(master.ip(), master.port(), Duration.ofSeconds(5), Resp.Access.NONE, "AUTH", "wrong"))
                .asString()
                .containsAnyOf("WRONGPASS", "invalid password");

        StatefulRedisConnection<String, String> authenticated = lettuce.connect(master, credentials);
        assertThat(authenticated.sync().set("k", "v")).isEqualTo("OK");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.mooring.testkit.Runtimes#both")
    void podsRequireTheAclUser(PodRuntime runtime, SimulatedNamespace ns) throws Exception {
        Credentials credentials = Credentials.aclUser("app", "app-pass");
        RedisStatefulSet redis = ns.redis("redis")
                .runtime(runtime)
                .replicas(2)
                .credentials(credentials)
                .start();
        RedisPod master = redis.pod(0);
        // The replica authenticated as the ACL user (masteruser/masterauth).
        assertThat(redis.pod(1).info("replication")).containsEntry("master_link_status", "up");

        // Asked over plain RESP, as above.
        assertThat(Resp.once(master.ip(), master.port(), Duration.ofSeconds(5), Resp.Access.NONE, "SET", "k", "v"))
                .asString()
                .startsWith("NOAUTH");
        // The default user is off: the right password without the user name is refused.
        assertThat(Resp.once(master.ip(), master.port(), Duration.ofSeconds(5), Resp.Access.NONE, "AUTH", "app-pass"))
                .asString()
                .startsWith("WRONGPASS");

        StatefulRedisConnection<String, String> authenticated = lettuce.connect(master, credentials);
        assertThat(authenticated.sync().aclWhoami()).isEqualTo("app");
        assertThat(authenticated.sync().set("k", "v")).isEqualTo("OK");
        Map<String, String> info = master.info("replication");
        assertThat(info).containsEntry("connected_slaves", "1");
    }
}
