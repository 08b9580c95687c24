package io.github.mooring.healer;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.discovery.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ClusterDiagnosis} as a specification: each scenario is what the pods of the Service answered to
 * {@code CLUSTER NODES} in one round, and the findings expected, most urgent first, each with its fix. Nodes are
 * letters (node ID {@code aaaa…}); pods {@code redis-0..5}; a line is {@code "B 10.0.0.2 master 5461-10922"}.
 */
class ClusterDiagnosisTest {

    // The cluster as the testkit forms it: pods 0-2 masters A-C, pods 3-5 replicas D-F of A-C.
    static final String A0 = "A 10.0.0.1 master 0-5460";
    static final String B0 = "B 10.0.0.2 master 5461-10922";
    static final String C0 = "C 10.0.0.3 master 10923-16383";
    static final String D0 = "D 10.0.0.4 slave:A";
    static final String E0 = "E 10.0.0.5 slave:B";
    static final String F0 = "F 10.0.0.6 slave:C";
    static final List<String> TABLE = List.of(A0, B0, C0, D0, E0, F0);

    record Scenario(String name, List<ClusterView> views, List<String> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                scenario("a healthy cluster: nothing", healthy(), List.of()),
                scenario(
                        "master A's pod replaced with its volume (same node ID, new IP), peers still list the old IP:"
                                + " each peer meets it at its new IP",
                        withPodReplaced(0, "10.0.1.1", "10.0.0.1"),
                        List.of("stale-address: redis-1 CLUSTER MEET 10.0.1.1 6379; redis-2 CLUSTER MEET 10.0.1.1 6379;"
                                + " redis-3 CLUSTER MEET 10.0.1.1 6379; redis-4 CLUSTER MEET 10.0.1.1 6379;"
                                + " redis-5 CLUSTER MEET 10.0.1.1 6379")),
                scenario(
                        "the same once gossip told every peer: nothing",
                        withPodReplaced(0, "10.0.1.1", "10.0.1.1"),
                        List.of()),
                scenario(
                        "one peer still lists A without an address (noaddr): it meets A",
                        List.of(
                                view(0, "10.0.0.1", "A", TABLE),
                                view(1, "10.0.0.2", "B", replace(TABLE, "A", "A noaddr master 0-5460")),
                                view(2, "10.0.0.3", "C", TABLE)),
                        List.of("stale-address: redis-1 CLUSTER MEET 10.0.0.1 6379")),
                scenario(
                        "every pod replaced at once (volumes kept): every node lists every other at its old IP, each"
                                + " meets each at its new one",
                        allReplaced(),
                        List.of("stale-address: " + allMeets())),
                scenario(
                        "a replica's pod (D, of A) replaced without its volume: the empty pod becomes A's replica; D's"
                                + " node ID lingers",
                        withEmptyPod(3, "10.0.1.4", failedInTables("D"), TABLE),
                        List.of(
                                "replica-lost A: redis-3 CLUSTER MEET 10.0.0.1 6379; redis-3 CLUSTER REPLICATE "
                                        + id("A"),
                                "linger: [D]")),
                scenario(
                        "master A's pod replaced without its volume, before its replica D is promoted: the empty pod is"
                                + " reported, nothing is repaired (no master answers short of a replica)",
                        withEmptyPod(0, "10.0.1.1", failedInTables("A"), TABLE),
                        List.of("not-in-cluster: [redis-0]", "linger: [A]")),
                scenario(
                        "the same once D was promoted: the empty pod becomes D's replica",
                        withEmptyPod(0, "10.0.1.1", PROMOTED, PROMOTED),
                        List.of(
                                "replica-lost D: redis-0 CLUSTER MEET 10.0.0.4 6379; redis-0 CLUSTER REPLICATE "
                                        + id("D"),
                                "linger: [A]")),
                scenario(
                        "D's pod re-added as G, A's replica again; D's node ID still lingers and another empty pod"
                                + " appears: no master is short of a replica, the pod is only reported",
                        reAddedAndAnotherEmpty(),
                        List.of("not-in-cluster: [redis-6]", "linger: [D]")),
                scenario(
                        "A has two replicas, B one, C none (its replica failed), one empty pod: C, with fewest, gets"
                                + " it; B stays short",
                        twoShortOneEmpty(),
                        List.of(
                                "replica-lost C: redis-5 CLUSTER MEET 10.0.0.3 6379; redis-5 CLUSTER REPLICATE "
                                        + id("C"),
                                "linger: [F]")),
                scenario(
                        "a cluster without replicas and an empty pod: no master lost a replica, the pod is reported",
                        List.of(
                                view(0, "10.0.0.1", "A", List.of(A0, B0, C0)),
                                view(1, "10.0.0.2", "B", List.of(A0, B0, C0)),
                                view(2, "10.0.0.3", "C", List.of(A0, B0, C0)),
                                view(3, "10.0.0.4", "X", List.of("X 10.0.0.4 master"))),
                        List.of("not-in-cluster: [redis-3]")),
                scenario(
                        "two pods answer as A (copies of one volume): A is placed nowhere, no peer is sent to either",
                        List.of(
                                view(0, "10.0.1.1", "A", TABLE),
                                view(1, "10.0.0.2", "B", TABLE),
                                view(2, "10.0.0.3", "C", TABLE),
                                view(3, "10.0.1.9", "A", TABLE)),
                        List.of()),
                scenario(
                        "a handshake line (a random ID while a MEET is under way) says nothing",
                        List.of(
                                view(0, "10.0.0.1", "A", plus(TABLE, "H 10.0.9.9 handshake")),
                                view(1, "10.0.0.2", "B", TABLE)),
                        List.of()),
                scenario(
                        "a pod that does not answer is left out: its node ID is not stale anywhere",
                        List.of(view(1, "10.0.0.2", "B", TABLE), view(2, "10.0.0.3", "C", TABLE)),
                        List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void diagnoses(Scenario scenario) {
        assertThat(ClusterDiagnosis.of(scenario.views()).stream()
                        .map(ClusterDiagnosisTest::render)
                        .toList())
                .isEqualTo(scenario.expected());
    }

    @Test
    void aPeersBusPortOtherThanPortPlus10000IsNamedInTheMeet() {
        List<ClusterView> views = List.of(
                ClusterView.parse(pod(0, "10.0.1.1"), id("A") + " 10.0.1.1:6379@7000 myself,master - 0 0 1 connected"),
                ClusterView.parse(
                        pod(1, "10.0.0.2"),
                        id("A") + " 10.0.0.1:6379@7000 master - 0 0 1 connected\n" + id("B")
                                + " 10.0.0.2:6379@7000 myself,master - 0 0 1 connected"));
        assertThat(ClusterDiagnosis.of(views).get(0).fix().get(0).command())
                .containsExactly("CLUSTER", "MEET", "10.0.1.1", "6379", "7000");
    }

    @Test
    void descriptionsNameThePodsAndTheManualFixesTheHealerNeverTakes() {
        List<ClusterFinding> findings = ClusterDiagnosis.of(withEmptyPod(0, "10.0.1.1", failedInTables("A"), TABLE));
        assertThat(findings.get(0).description()).contains("redis-0 (10.0.1.1:6379)", "in no cluster", "CLUSTER MEET");
        assertThat(findings.get(1).description())
                .contains("aaaaaaaa", "never forgets", "CLUSTER FORGET " + id("A"), "on every node within 60 s");
    }

    // ---------------------------------------------------------------- scenarios

    static List<ClusterView> healthy() {
        List<ClusterView> views = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            views.add(view(i, "10.0.0." + (i + 1), letter(i), TABLE));
        }
        return views;
    }

    /** Pod {@code ordinal} answers at {@code newIp}; the others list its node at {@code listedAt}. */
    static List<ClusterView> withPodReplaced(int ordinal, String newIp, String listedAt) {
        String self = letter(ordinal);
        List<String> itsTable = replace(TABLE, self, moved(TABLE, self, newIp));
        List<String> peersTable = replace(TABLE, self, moved(TABLE, self, listedAt));
        List<ClusterView> views = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            views.add(
                    i == ordinal
                            ? view(i, newIp, self, itsTable)
                            : view(i, "10.0.0." + (i + 1), letter(i), peersTable));
        }
        return views;
    }

    static List<ClusterView> allReplaced() {
        List<ClusterView> views = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String self = letter(i);
            views.add(view(
                    i, "10.0.1." + (i + 1), self, replace(TABLE, self, moved(TABLE, self, "10.0.1." + (i + 1)))));
        }
        return views;
    }

    static String allMeets() {
        List<String> meets = new ArrayList<>();
        for (int peer = 0; peer < 6; peer++) {
            for (int node = 0; node < 6; node++) {
                if (node != peer) {
                    meets.add("redis-" + peer + " CLUSTER MEET 10.0.1." + (node + 1) + " 6379");
                }
            }
        }
        return String.join("; ", meets);
    }

    /** Pod {@code ordinal} came back empty at {@code ip}; pods listed in {@code table} answer with it. */
    static List<ClusterView> withEmptyPod(int ordinal, String ip, List<String> peersTable, List<String> selves) {
        List<ClusterView> views = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            if (i == ordinal) {
                views.add(view(i, ip, "X", List.of("X " + ip + " master")));
            } else {
                String self = selves.get(i).substring(0, 1);
                views.add(view(i, "10.0.0." + (i + 1), self, replace(peersTable, self, selves.get(i))));
            }
        }
        return views;
    }

    static List<String> failedInTables(String letter) {
        return TABLE.stream()
                .map(line -> line.startsWith(letter + " ") ? flagged(line, "fail") : line)
                .toList();
    }

    /** After master A's pod came back empty and D, its replica, was promoted in its place. */
    static final List<String> PROMOTED = List.of("A 10.0.0.1 master,fail", B0, C0, "D 10.0.0.4 master 0-5460", E0, F0);

    static List<ClusterView> reAddedAndAnotherEmpty() {
        List<String> table = List.of(A0, B0, C0, "D 10.0.0.4 slave,fail:A", E0, F0, "G 10.0.1.4 slave:A");
        return List.of(
                view(0, "10.0.0.1", "A", table),
                view(1, "10.0.0.2", "B", table),
                view(2, "10.0.0.3", "C", table),
                view(3, "10.0.1.4", "G", table),
                view(4, "10.0.0.5", "E", table),
                view(5, "10.0.0.6", "F", table),
                view(6, "10.0.1.7", "X", List.of("X 10.0.1.7 master")));
    }

    static List<ClusterView> twoShortOneEmpty() {
        List<String> table = List.of(A0, B0, C0, D0, E0, "F 10.0.0.6 slave,fail:C", "G 10.0.0.7 slave:A");
        return List.of(
                view(0, "10.0.0.1", "A", table),
                view(1, "10.0.0.2", "B", table),
                view(2, "10.0.0.3", "C", table),
                view(3, "10.0.0.4", "D", table),
                view(4, "10.0.0.5", "E", table),
                view(5, "10.0.1.6", "X", List.of("X 10.0.1.6 master")),
                view(6, "10.0.0.7", "G", table));
    }

    // ---------------------------------------------------------------- notation

    /** What one finding says, short: its kind and, for each command, the pod it goes to and the command. */
    static String render(ClusterFinding finding) {
        String actions = String.join(
                "; ",
                finding.fix().stream()
                        .map(a -> a.target().podName() + " " + String.join(" ", a.command()))
                        .toList());
        if (finding instanceof ClusterFinding.StaleAddressesFinding) {
            return "stale-address: " + actions;
        }
        if (finding instanceof ClusterFinding.ReplicaLostFinding lost) {
            return "replica-lost " + letterOf(lost.masterId()) + ": " + actions;
        }
        if (finding instanceof ClusterFinding.NotInClusterFinding empty) {
            return "not-in-cluster: "
                    + empty.pods().stream().map(Endpoint::podName).toList();
        }
        ClusterFinding.FailedNodesLingerFinding linger = (ClusterFinding.FailedNodesLingerFinding) finding;
        return "linger: "
                + linger.nodeIds().stream().map(ClusterDiagnosisTest::letterOf).toList();
    }

    static Scenario scenario(String name, List<ClusterView> views, List<String> expected) {
        return new Scenario(name, views, expected);
    }

    /** Pod {@code ordinal} at {@code ip}, answering as node {@code self}, with {@code table} (its own line marked). */
    static ClusterView view(int ordinal, String ip, String self, List<String> table) {
        StringBuilder reply = new StringBuilder();
        for (String line : table) {
            String[] f = line.split(" ", -1);
            String flags = f[2];
            String master = "-";
            int colon = flags.indexOf(':');
            if (colon >= 0) {
                master = id(flags.substring(colon + 1));
                flags = flags.substring(0, colon);
            }
            if (f[0].equals(self)) {
                flags = "myself," + flags;
            }
            String address = f[1].equals("noaddr") ? ":0@0" : f[1] + ":6379@16379";
            if (f[1].equals("noaddr")) {
                flags = flags + ",noaddr";
            }
            reply.append(id(f[0]))
                    .append(' ')
                    .append(address)
                    .append(' ')
                    .append(flags)
                    .append(' ')
                    .append(master)
                    .append(" 0 0 1 connected");
            for (int i = 3; i < f.length; i++) {
                reply.append(' ').append(f[i]);
            }
            reply.append('\n');
        }
        return ClusterView.parse(pod(ordinal, ip), reply.toString());
    }

    static Endpoint pod(int ordinal, String ip) {
        return new Endpoint(ip, 6379, "redis-" + ordinal, true, false);
    }

    static String id(String letter) {
        return letter.toLowerCase().repeat(40);
    }

    static String letterOf(String id) {
        return id.substring(0, 1).toUpperCase();
    }

    static String letter(int ordinal) {
        return String.valueOf((char) ('A' + ordinal));
    }

    static String moved(List<String> table, String letter, String ip) {
        String line = table.stream()
                .filter(l -> l.startsWith(letter + " "))
                .findFirst()
                .orElseThrow();
        String[] f = line.split(" ", 3);
        return f[0] + " " + ip + " " + f[2];
    }

    static String flagged(String line, String flag) {
        String[] f = line.split(" ", -1);
        int colon = f[2].indexOf(':');
        f[2] = colon < 0 ? f[2] + "," + flag : f[2].substring(0, colon) + "," + flag + f[2].substring(colon);
        return String.join(" ", f);
    }

    /** {@code table} with the line of {@code letter} replaced by {@code line}. */
    static List<String> replace(List<String> table, String letter, String line) {
        return table.stream().map(l -> l.startsWith(letter + " ") ? line : l).toList();
    }

    static List<String> plus(List<String> table, String line) {
        List<String> more = new ArrayList<>(table);
        more.add(line);
        return more;
    }
}
