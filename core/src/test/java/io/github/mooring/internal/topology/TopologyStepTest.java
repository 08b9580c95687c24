package io.github.mooring.internal.topology;

import static io.github.mooring.internal.topology.Pod.master;
import static io.github.mooring.internal.topology.Pod.refusing;
import static io.github.mooring.internal.topology.Pod.replica;
import static io.github.mooring.internal.topology.Pod.unreachable;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.DiscoveryException;
import io.github.mooring.discovery.EndpointSnapshot;
import io.github.mooring.discovery.ServiceRef;
import io.github.mooring.probe.ProbeResult;
import io.github.mooring.topology.Node;
import io.github.mooring.topology.TopologyEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the monitor publishes, round after round: each story is a sequence of probe rounds (what every pod answered),
 * with discovery news between them, and after each round the topology version and the events, in order. Pod
 * {@code redis-N} lives at {@code 10.0.0.(10+N)} unless a round says otherwise.
 */
class TopologyStepTest {

    private static final ServiceRef SERVICE = ServiceRef.of("redis", "shop");
    private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");

    /** One round: discovery news before it, the pods it probed, and what must come out. */
    record Step(
            UnaryOperator<DiscoveryStatus> news,
            String source,
            List<Pod> pods,
            boolean withhold,
            TopologyEvent.Trigger trigger,
            long version,
            List<String> events) {}

    record Story(String name, List<Step> steps) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Story> stories() {
        return Stream.of(
                        story("healthy group: one event at startup, then silence while offsets move")
                                .round(
                                        master("redis-0"),
                                        replica("redis-1").of("10.0.0.10"),
                                        replica("redis-2").of("10.0.0.10"))
                                .expect(1, "MasterChanged redis-0 (STARTUP)")
                                .round(
                                        master("redis-0").offset(5000),
                                        replica("redis-1").of("10.0.0.10").offset(4990),
                                        replica("redis-2").of("10.0.0.10").offset(4980))
                                .expect(1),
                        story("410 relist: the watch re-lists the same endpoints; nothing changed, nothing said")
                                .round(master("redis-0"), replica("redis-1").of("10.0.0.10"))
                                .expect(1, "MasterChanged redis-0 (STARTUP)")
                                .news(d -> d.withEndpoints(snapshot("kubernetes"), "kubernetes", true))
                                .trigger(TopologyEvent.Trigger.ENDPOINTS_CHANGED)
                                .round(master("redis-0"), replica("redis-1").of("10.0.0.10"))
                                .expect(1),
                        story(
                                        "pod replacement: master killed, recreated with a new IP, replicas still follow the dead one")
                                .round(
                                        master("redis-0"),
                                        replica("redis-1").of("10.0.0.10"),
                                        replica("redis-2").of("10.0.0.10"))
                                .expect(1, "MasterChanged redis-0 (STARTUP)")
                                .trigger(TopologyEvent.Trigger.ENDPOINTS_CHANGED)
                                .round(
                                        replica("redis-1").of("10.0.0.10").linkDown(1),
                                        replica("redis-2").of("10.0.0.10").linkDown(1))
                                .expect(
                                        2,
                                        "NoMaster (was redis-0)",
                                        "StaleReplicaDetected redis-1 -> 10.0.0.10:6379",
                                        "StaleReplicaDetected redis-2 -> 10.0.0.10:6379")
                                .trigger(TopologyEvent.Trigger.ENDPOINTS_CHANGED)
                                .round(
                                        master("redis-0").at("10.0.0.20").runId("run-2"),
                                        replica("redis-1").of("10.0.0.10").linkDown(2),
                                        replica("redis-2").of("10.0.0.10").linkDown(2))
                                .expect(
                                        3,
                                        "MasterChanged redis-0 (ENDPOINTS_CHANGED, was redis-0: redis-0 (10.0.0.10:6379) is"
                                                + " no longer an endpoint; redis-0 (10.0.0.20:6379) reports master)"),
                        story("replacement without persistence: the new master is empty, the data is on the replicas; a"
                                        + " client that will repair withholds it, then follows the promoted replica")
                                .round(
                                        master("redis-0"),
                                        replica("redis-1").of("10.0.0.10"),
                                        replica("redis-2").of("10.0.0.10"))
                                .expect(1, "MasterChanged redis-0 (STARTUP)")
                                .withhold()
                                .round(
                                        master("redis-0")
                                                .at("10.0.0.20")
                                                .runId("run-2")
                                                .empty(),
                                        replica("redis-1").of("10.0.0.10").linkDown(2),
                                        replica("redis-2").of("10.0.0.10").linkDown(2))
                                .expect(
                                        2,
                                        "NoMaster (was redis-0)",
                                        "DataAtRiskDetected redis-0 empty, data on redis-1",
                                        "StaleReplicaDetected redis-1 -> 10.0.0.10:6379",
                                        "StaleReplicaDetected redis-2 -> 10.0.0.10:6379")
                                .withhold()
                                .round(
                                        replica("redis-0")
                                                .at("10.0.0.20")
                                                .runId("run-2")
                                                .of("10.0.0.11"),
                                        master("redis-1").promotedFrom("replid-of-redis-0"),
                                        replica("redis-2").of("10.0.0.11"))
                                // Writers last wrote to redis-0 at its old address: the withheld empty pod never was
                                // theirs.
                                .expect(
                                        3,
                                        "MasterChanged redis-1 (SUSPICION, was redis-0: redis-0 (10.0.0.10:6379) is no"
                                                + " longer an endpoint; redis-1 (10.0.0.11:6379) reports master)"),
                        story("failover: a replica is promoted, the old master answers as master until it is demoted")
                                .round(
                                        master("redis-0"),
                                        replica("redis-1").of("10.0.0.10"),
                                        replica("redis-2").of("10.0.0.10"))
                                .expect(1, "MasterChanged redis-0 (STARTUP)")
                                .round(
                                        master("redis-0"),
                                        master("redis-1").promotedFrom("replid-of-redis-0"),
                                        replica("redis-2").of("10.0.0.10"))
                                .expect(
                                        2,
                                        "MasterChanged redis-1 (SUSPICION, was redis-0: redis-0 (10.0.0.10:6379) lost a"
                                                + " split brain; redis-1 (10.0.0.11:6379) reports master (chosen by succession))",
                                        "SplitBrainDetected winner redis-1, losers [redis-0]",
                                        "StaleReplicaDetected redis-2 -> 10.0.0.10:6379")
                                .round(
                                        replica("redis-0").of("10.0.0.11"),
                                        master("redis-1").promotedFrom("replid-of-redis-0"),
                                        replica("redis-2").of("10.0.0.11"))
                                .expect(3),
                        story("split brain settled by data: an empty master never wins, and the loser is reported once")
                                .round(
                                        master("redis-0"),
                                        master("redis-1").empty(),
                                        replica("redis-2").of("10.0.0.10"))
                                .expect(
                                        1,
                                        "MasterChanged redis-0 (STARTUP)",
                                        "SplitBrainDetected winner redis-0, losers [redis-1]")
                                .round(
                                        master("redis-0").offset(9000),
                                        master("redis-1").empty(),
                                        replica("redis-2").of("10.0.0.10"))
                                .expect(1),
                        story("frozen master: no answer, then the same process answers again: restored, not changed")
                                .round(master("redis-0"), replica("redis-1").of("10.0.0.10"))
                                .expect(1, "MasterChanged redis-0 (STARTUP)")
                                .round(
                                        unreachable("redis-0", "no answer within the probe timeout"),
                                        replica("redis-1").of("10.0.0.10").linkDown(3))
                                .expect(2, "NoMaster (was redis-0)")
                                .round(master("redis-0"), replica("redis-1").of("10.0.0.10"))
                                .expect(3, "MasterRestored redis-0 after 1 s"),
                        story("container restarted in place: same address, another Redis process: a change")
                                .round(master("redis-0"), replica("redis-1").of("10.0.0.10"))
                                .expect(1, "MasterChanged redis-0 (STARTUP)")
                                .round(
                                        master("redis-0").runId("run-restarted"),
                                        replica("redis-1").of("10.0.0.10"))
                                .expect(
                                        2,
                                        "MasterChanged redis-0 (SUSPICION, was redis-0: redis-0 (10.0.0.10:6379) restarted"
                                                + " (new Redis process); redis-0 (10.0.0.10:6379) reports master)"),
                        story("RBAC revoked: auto moves from the Kubernetes API to DNS and says why; restored: back,"
                                        + " as a restoration; revoked again: degraded again")
                                .round(master("redis-0"), replica("redis-1").of("10.0.0.10"))
                                .expect(1, "MasterChanged redis-0 (STARTUP)")
                                .news(d -> d.withError(new DiscoveryException(
                                        DiscoveryException.Reason.FORBIDDEN,
                                        "kubernetes",
                                        "RBAC forbids listing endpointslices")))
                                .news(d -> d.withEndpoints(snapshot("dns"), "kubernetes", true))
                                .source("dns")
                                .round(master("redis-0"), replica("redis-1").of("10.0.0.10"))
                                .expect(1, "SourceDegraded kubernetes -> dns: RBAC forbids listing endpointslices")
                                .news(d -> d.withSourceRestored("the API lets redis be listed again"))
                                .news(d -> d.withEndpoints(snapshot("kubernetes"), "dns", true))
                                .source("kubernetes")
                                .round(master("redis-0"), replica("redis-1").of("10.0.0.10"))
                                .expect(1, "SourceRestored dns -> kubernetes: the API lets redis be listed again")
                                .news(d -> d.withError(new DiscoveryException(
                                        DiscoveryException.Reason.FORBIDDEN,
                                        "kubernetes",
                                        "RBAC forbids listing endpointslices")))
                                .news(d -> d.withEndpoints(snapshot("dns"), "kubernetes", true))
                                .source("dns")
                                .round(master("redis-0"), replica("redis-1").of("10.0.0.10"))
                                .expect(1, "SourceDegraded kubernetes -> dns: RBAC forbids listing endpointslices"),
                        story("no master at startup: said once, with what every pod answered")
                                .round(
                                        replica("redis-0").of("10.0.0.99").linkDown(5),
                                        replica("redis-1").of("10.0.0.99"))
                                .expect(
                                        1,
                                        "NoMaster (no master before)",
                                        "StaleReplicaDetected redis-0 -> 10.0.0.99:6379",
                                        "StaleReplicaDetected redis-1 -> 10.0.0.99:6379")
                                .round(
                                        replica("redis-0").of("10.0.0.99").linkDown(6),
                                        replica("redis-1").of("10.0.0.99"))
                                .expect(1),
                        story(
                                        "password changed on the pods: the master refuses the probe's credentials and stays master;"
                                                + " one event per pod that starts refusing, none while it goes on")
                                .round(
                                        master("redis-0"),
                                        replica("redis-1").of("10.0.0.10"),
                                        replica("redis-2").of("10.0.0.10"))
                                .expect(1, "MasterChanged redis-0 (STARTUP)")
                                .round(
                                        refusing("redis-0", "app"),
                                        replica("redis-1").of("10.0.0.10"),
                                        replica("redis-2").of("10.0.0.10"))
                                .expect(1, "CredentialsRejected redis-0 user app")
                                .round(
                                        refusing("redis-0", "app"),
                                        refusing("redis-1", "app"),
                                        refusing("redis-2", "app"))
                                .expect(
                                        2,
                                        "CredentialsRejected redis-1 user app",
                                        "CredentialsRejected redis-2 user app")
                                .round(
                                        refusing("redis-0", "app"),
                                        refusing("redis-1", "app"),
                                        refusing("redis-2", "app"))
                                .expect(2)
                                .round(
                                        master("redis-0"),
                                        replica("redis-1").of("10.0.0.10"),
                                        replica("redis-2").of("10.0.0.10"))
                                .expect(3),
                        story(
                                        "credentials refused while another pod reports master: that pod is the master (it said so),"
                                                + " the refusal alone moved nothing")
                                .round(master("redis-0"), replica("redis-1").of("10.0.0.10"))
                                .expect(1, "MasterChanged redis-0 (STARTUP)")
                                .trigger(TopologyEvent.Trigger.SUSPICION)
                                .round(
                                        refusing("redis-0", "app"),
                                        master("redis-1").promotedFrom("replid-of-redis-0"))
                                .expect(
                                        2,
                                        "MasterChanged redis-1 (SUSPICION, was redis-0: redis-0 (10.0.0.10:6379) refuses"
                                                + " the credentials; redis-1 (10.0.0.11:6379) reports master)",
                                        "CredentialsRejected redis-0 user app"),
                        story(
                                        "a new client with a wrong password: no master, and the reason says who refused which user")
                                .round(refusing("redis-0", "app"), refusing("redis-1", "app"))
                                .expect(
                                        1,
                                        "NoMaster (no master before): no pod reports master: redis-0 (10.0.0.10:6379)"
                                                + " refused the credentials of user app: authentication refused (WRONGPASS"
                                                + " invalid username-password pair or user is disabled.): check the Redis"
                                                + " username and password; redis-1 (10.0.0.11:6379) refused the credentials"
                                                + " of user app: authentication refused (WRONGPASS invalid username-password"
                                                + " pair or user is disabled.): check the Redis username and password",
                                        "CredentialsRejected redis-0 user app",
                                        "CredentialsRejected redis-1 user app"),
                        story("every pod deleted: no endpoints, the reason says what to check")
                                .round(master("redis-0"))
                                .expect(1, "MasterChanged redis-0 (STARTUP)")
                                .news(d -> d.withEndpoints(snapshot("kubernetes"), "kubernetes", true))
                                .trigger(TopologyEvent.Trigger.ENDPOINTS_CHANGED)
                                .round()
                                .expect(
                                        2,
                                        "NoMaster (was redis-0): Service 'redis' in namespace 'shop' has no endpoints"
                                                + " (kubernetes): check that its pods are running and pass their readiness probe, and"
                                                + " that its selector matches them"))
                .map(Builder::build);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stories")
    void publishes(Story story) {
        TopologyStep.State state = TopologyStep.State.initial();
        int index = 0;
        for (Step step : story.steps()) {
            index++;
            state = state.withDiscovery(step.news().apply(state.discovery()));
            List<ProbeResult> results = step.pods().stream().map(Pod::result).toList();
            TopologyStep.Outcome outcome = TopologyStep.apply(
                    state,
                    new TopologyStep.Round(
                            SERVICE,
                            step.source(),
                            state.discovery().endpoints(),
                            results,
                            step.withhold(),
                            null,
                            null,
                            step.trigger(),
                            Duration.ofMillis(7),
                            START.plusSeconds(index)),
                    MonitorSettings.defaults());
            state = outcome.next();
            assertThat(outcome.events().stream().map(TopologyStepTest::describe).toList())
                    .as("events of round %d", index)
                    .containsExactlyElementsOf(step.events());
            assertThat(outcome.topology().version())
                    .as("version after round %d", index)
                    .isEqualTo(step.version());
            for (TopologyEvent event : outcome.events()) {
                assertThat(event.topology())
                        .as("every event carries the topology it announces")
                        .isSameAs(outcome.topology());
            }
        }
    }

    /** An event in a few words: kind, pods, and what an operator would read. */
    static String describe(TopologyEvent event) {
        if (event instanceof TopologyEvent.MasterChanged e) {
            return "MasterChanged " + pod(e.master()) + " (" + e.trigger()
                    + e.previous()
                            .map(p -> ", was " + pod(p) + ": " + e.reason())
                            .orElse("") + ")";
        }
        if (event instanceof TopologyEvent.NoMaster e) {
            return "NoMaster (" + e.previous().map(p -> "was " + pod(p)).orElse("no master before") + ")"
                    + (e.reason().contains("has no endpoints") || e.reason().contains("refused the credentials")
                            ? ": " + e.reason()
                            : "");
        }
        if (event instanceof TopologyEvent.MasterRestored e) {
            return "MasterRestored " + pod(e.master()) + " after " + e.outage().toSeconds() + " s";
        }
        if (event instanceof TopologyEvent.SplitBrainDetected e) {
            return "SplitBrainDetected winner " + pod(e.splitBrain().winner()) + ", losers "
                    + e.splitBrain().losers().stream()
                            .map(TopologyStepTest::pod)
                            .collect(Collectors.toList());
        }
        if (event instanceof TopologyEvent.DataAtRiskDetected e) {
            return "DataAtRiskDetected " + pod(e.dataAtRisk().master()) + " empty, data on "
                    + pod(e.dataAtRisk().holder());
        }
        if (event instanceof TopologyEvent.StaleReplicaDetected e) {
            return "StaleReplicaDetected " + pod(e.staleReplica().replica()) + " -> "
                    + e.staleReplica().follows();
        }
        if (event instanceof TopologyEvent.CredentialsRejected e) {
            return "CredentialsRejected " + e.pod().podName() + " user " + e.user();
        }
        if (event instanceof TopologyEvent.SourceRestored e) {
            return "SourceRestored " + e.from() + " -> " + e.to() + ": " + e.reason();
        }
        if (event instanceof TopologyEvent.SourceDegraded e) {
            return "SourceDegraded " + e.from() + " -> " + e.to() + ": " + e.reason();
        }
        return event.getClass().getSimpleName();
    }

    private static String pod(Node node) {
        return node.endpoint().podName();
    }

    private static EndpointSnapshot snapshot(String source) {
        return EndpointSnapshot.now(source, List.of());
    }

    static Builder story(String name) {
        return new Builder(name);
    }

    /** Reads like the story: news, then a round, then what it must publish. */
    static final class Builder {
        private final String name;
        private final List<Step> steps = new ArrayList<>();
        private UnaryOperator<DiscoveryStatus> news = d -> d;
        private String source = "kubernetes";
        private boolean withhold;
        private TopologyEvent.Trigger trigger = TopologyEvent.Trigger.SUSPICION;
        private List<Pod> pods;

        Builder(String name) {
            this.name = name;
        }

        Builder news(UnaryOperator<DiscoveryStatus> more) {
            UnaryOperator<DiscoveryStatus> before = news;
            news = d -> more.apply(before.apply(d));
            return this;
        }

        Builder source(String source) {
            this.source = source;
            return this;
        }

        Builder withhold() {
            this.withhold = true;
            return this;
        }

        Builder trigger(TopologyEvent.Trigger trigger) {
            this.trigger = trigger;
            return this;
        }

        Builder round(Pod... pods) {
            this.pods = List.of(pods);
            return this;
        }

        Builder expect(long version, String... events) {
            steps.add(new Step(news, source, pods, withhold, trigger, version, List.of(events)));
            news = d -> d;
            withhold = false;
            trigger = TopologyEvent.Trigger.SUSPICION;
            return this;
        }

        Story build() {
            return new Story(name, List.copyOf(steps));
        }
    }
}
