package io.github.mooring.internal.probe;

import static io.github.mooring.probe.Role.MASTER;
import static io.github.mooring.probe.Role.REPLICA;
import static io.github.mooring.probe.Role.SENTINEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import io.github.mooring.probe.NodeReport;
import io.github.mooring.probe.Role;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class InfoParserTest {

    private static final String ZERO = NodeReport.NO_REPL_ID;

    /** Every captured sample with the full report it must parse to. */
    static Stream<Arguments> realOutput() {
        return Stream.of(
                sample(
                        "6.2",
                        "master-with-two-replicas",
                        new NodeReport(
                                MASTER,
                                "307df117bcfa1c32e99cb111943c47f7b762fc2f",
                                "0709cbdafe5bf8213778cff822e50091af2ca23a",
                                ZERO,
                                -1,
                                186,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                false,
                                4,
                                2)),
                sample(
                        "6.2",
                        "replica-linked",
                        new NodeReport(
                                REPLICA,
                                "ed14a591c39318c8413a58adcf951d5c550c3e2f",
                                "0709cbdafe5bf8213778cff822e50091af2ca23a",
                                ZERO,
                                -1,
                                186,
                                "127.77.62.1",
                                6379,
                                true,
                                -1,
                                false,
                                false,
                                4,
                                0)),
                sample(
                        "6.2",
                        "replica-link-down",
                        new NodeReport(
                                REPLICA,
                                "ed14a591c39318c8413a58adcf951d5c550c3e2f",
                                "0709cbdafe5bf8213778cff822e50091af2ca23a",
                                ZERO,
                                -1,
                                186,
                                "127.77.62.1",
                                6379,
                                false,
                                3,
                                false,
                                false,
                                4,
                                0)),
                sample(
                        "6.2",
                        "replica-never-connected",
                        new NodeReport(
                                REPLICA,
                                "56be423d8324bec1499f49ac6a3c2d63db3e38e1",
                                "aa83b884c4a57ee7b3cbef10c765cc4fd293944e",
                                ZERO,
                                -1,
                                1,
                                "127.77.62.99",
                                6379,
                                false,
                                -1,
                                false,
                                false,
                                0,
                                0)),
                sample(
                        "6.2",
                        "replica-syncing",
                        new NodeReport(
                                REPLICA,
                                "a4de7f5c3b4df702d96fd10b0ace107cbf1e0e23",
                                "2e498a277053ad4899d2b1225b5284901a3cf9fa",
                                ZERO,
                                -1,
                                1,
                                "127.77.62.20",
                                6379,
                                false,
                                -1,
                                true,
                                false,
                                0,
                                0)),
                sample(
                        "6.2",
                        "master-replica-waiting-bgsave",
                        new NodeReport(
                                MASTER,
                                "592ae6071c843533bd55aaf122695ed034dab553",
                                "b54351be4cde3e2c8f341897d7038e77f062f270",
                                ZERO,
                                -1,
                                0,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                false,
                                1000,
                                1)),
                sample(
                        "6.2",
                        "promoted-replica",
                        new NodeReport(
                                MASTER,
                                "eef3100f6b6ffe3344dd2c78f1d042b199ca63ce",
                                "292897cbf695be6637e56da7a7a9f0461a3d9808",
                                "0709cbdafe5bf8213778cff822e50091af2ca23a",
                                187,
                                186,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                false,
                                4,
                                0)),
                sample(
                        "6.2",
                        "master-loading",
                        new NodeReport(
                                MASTER,
                                "8bb4a26acc9417e85f6c18ca2e25c8235f1d045f",
                                "154ab2126e7f456d050e98cf52f4d628c6f23f7a",
                                ZERO,
                                -1,
                                0,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                true,
                                10356,
                                0)),
                sample(
                        "6.2",
                        "master-empty",
                        new NodeReport(
                                MASTER,
                                "9bdf878bee3efa1b998621cb5f454c3bceb2e712",
                                "d8a9e38e298b9cd943988aca29434cced1c4e2b3",
                                ZERO,
                                -1,
                                0,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                false,
                                0,
                                0)),
                sample(
                        "6.2",
                        "sentinel",
                        new NodeReport(
                                SENTINEL,
                                "e05dc23caa0449b3bf26d9be4add98dcf22c99e6",
                                null,
                                null,
                                -1,
                                0,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                false,
                                0,
                                0)),
                sample(
                        "7.0",
                        "master-with-two-replicas",
                        new NodeReport(
                                MASTER,
                                "9821176f36f2b1ee5f17d4ed91b19b53950c68ec",
                                "e95ad2f3626e65b4f73e85a9e72a6562e2454bfe",
                                ZERO,
                                -1,
                                200,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                false,
                                4,
                                2)),
                sample(
                        "7.0",
                        "replica-linked",
                        new NodeReport(
                                REPLICA,
                                "3b8238d1032c94a22d9c60979ed8c796004b4f1e",
                                "e95ad2f3626e65b4f73e85a9e72a6562e2454bfe",
                                ZERO,
                                -1,
                                200,
                                "127.77.70.1",
                                6379,
                                true,
                                -1,
                                false,
                                false,
                                4,
                                0)),
                sample(
                        "7.0",
                        "replica-link-down",
                        new NodeReport(
                                REPLICA,
                                "3b8238d1032c94a22d9c60979ed8c796004b4f1e",
                                "e95ad2f3626e65b4f73e85a9e72a6562e2454bfe",
                                ZERO,
                                -1,
                                200,
                                "127.77.70.1",
                                6379,
                                false,
                                3,
                                false,
                                false,
                                4,
                                0)),
                sample(
                        "7.0",
                        "replica-never-connected",
                        new NodeReport(
                                REPLICA,
                                "111e545868090ede6ba00355e233a2cac6cdd464",
                                "fc2cd5174696ba4073a4f6df0e9e599e576edea7",
                                ZERO,
                                -1,
                                1,
                                "127.77.70.99",
                                6379,
                                false,
                                -1,
                                false,
                                false,
                                0,
                                0)),
                sample(
                        "7.0",
                        "replica-syncing",
                        new NodeReport(
                                REPLICA,
                                "cdd30d74f85a248b5db7d09ac2fafd742ce83319",
                                "cb67df2466d98864bc6f4359b51094216699aa74",
                                ZERO,
                                -1,
                                1,
                                "127.77.70.20",
                                6379,
                                false,
                                -1,
                                true,
                                false,
                                0,
                                0)),
                sample(
                        "7.0",
                        "master-replica-waiting-bgsave",
                        new NodeReport(
                                MASTER,
                                "17a8ef155b94b8d8102038509c6a2a4cd42e8747",
                                "1e2ff121cccf6bb623142da2f5151d5edadd09e7",
                                ZERO,
                                -1,
                                0,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                false,
                                1000,
                                1)),
                sample(
                        "7.0",
                        "promoted-replica",
                        new NodeReport(
                                MASTER,
                                "9f2d4fa4dbfaf46ccbd6668990f3fb5ce0871c88",
                                "b967a3262208fb74ea1a1c1476a832036a432bd6",
                                "e95ad2f3626e65b4f73e85a9e72a6562e2454bfe",
                                201,
                                200,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                false,
                                4,
                                0)),
                sample(
                        "7.0",
                        "master-loading",
                        new NodeReport(
                                MASTER,
                                "15b2ea4857e56051f10b17cd6fa8e41af854d3eb",
                                "69a5d6407a443acccc5590b9259d89ed663eba63",
                                ZERO,
                                -1,
                                0,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                true,
                                6213,
                                0)),
                sample(
                        "7.0",
                        "master-empty",
                        new NodeReport(
                                MASTER,
                                "e3d2ea8a7eed77d46a2ed26365ea0a44852fc5be",
                                "7b1d6bff3328a3a501043d3bd88280105b34b9e8",
                                ZERO,
                                -1,
                                0,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                false,
                                0,
                                0)),
                sample(
                        "7.0",
                        "sentinel",
                        new NodeReport(
                                SENTINEL,
                                "8d90c2d9a9bfaff0ea1303f524d1f997a6c98bfe",
                                null,
                                null,
                                -1,
                                0,
                                null,
                                0,
                                false,
                                -1,
                                false,
                                false,
                                0,
                                0)));
    }

    private static Arguments sample(String version, String name, NodeReport expected) {
        return argumentSet("Redis " + version + " " + name, version, name, expected);
    }

    @ParameterizedTest
    @MethodSource("realOutput")
    void parsesRealOutput(String version, String name, NodeReport expected) {
        assertThat(Samples.parse(version, name))
                .as("Redis %s %s", version, name)
                .isEqualTo(expected);
    }

    @ParameterizedTest
    @MethodSource("realOutput")
    void parsesTheSameWithLfLineEnds(String version, String name, NodeReport expected) {
        Map<String, String> sections = Samples.sections(Samples.text(version, name));
        NodeReport fromLf = InfoParser.parse(
                lf(sections.get("replication")),
                lf(sections.get("persistence")),
                lf(sections.get("keyspace")),
                lf(sections.get("server")));
        assertThat(fromLf).as("Redis %s %s", version, name).isEqualTo(expected);
    }

    @ParameterizedTest
    @MethodSource("realOutput")
    void parsesTheFourSectionsOfOneInfoAsFourInfos(String version, String name, NodeReport expected) {
        String text = Samples.text(version, name);
        assertThat(InfoParser.parse(text))
                .as("Redis %s %s, CRLF", version, name)
                .isEqualTo(expected);
        assertThat(InfoParser.parse(lf(text)))
                .as("Redis %s %s, LF", version, name)
                .isEqualTo(expected);
    }

    @Test
    void readsSectionsByTheirHeadersInWhateverOrderTheServerSendsThem() {
        // Redis 7 answers INFO replication persistence keyspace server as server, persistence, replication, keyspace.
        Map<String, String> sections = Samples.sections(Samples.text("7.0", "replica-linked"));
        String serverOrder = sections.get("server")
                + sections.get("persistence")
                + sections.get("replication")
                + sections.get("keyspace");

        assertThat(InfoParser.parse(serverOrder)).isEqualTo(Samples.parse("7.0", "replica-linked"));
        assertThat(InfoParser.parse((String) null)).isEqualTo(InfoParser.parse(null, null, null, null));
        assertThat(InfoParser.parse("role:master\r\n").role())
                .as("fields before any header belong to no section")
                .isEqualTo(Role.UNKNOWN);
    }

    /** Whether the pod is a Redis Cluster node, from one INFO (Redis 7) or from INFO server alone (the 6.2 fallback). */
    static Stream<Arguments> clusterNodes() {
        String standalone = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n";
        String clusterServer = "# Server\r\nredis_version:7.0.15\r\nredis_mode:cluster\r\n";
        String replication = "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n";
        return Stream.of(
                Arguments.of(
                        "one INFO of a cluster node",
                        clusterServer + replication + "# Cluster\r\ncluster_enabled:1\r\n",
                        true),
                Arguments.of(
                        "one INFO of a plain server",
                        standalone + replication + "# Cluster\r\ncluster_enabled:0\r\n",
                        false),
                Arguments.of(
                        "cluster_enabled alone decides",
                        standalone + replication + "# Cluster\r\ncluster_enabled:1\r\n",
                        true),
                Arguments.of("redis_mode alone decides (INFO server only)", clusterServer + replication, true),
                Arguments.of("a server that says neither", replication, false),
                Arguments.of("a Sentinel", "# Server\r\nredis_mode:sentinel\r\n", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clusterNodes")
    void tellsAClusterNodeByClusterEnabledOrRedisMode(String situation, String info, boolean clusterEnabled) {
        assertThat(InfoParser.parse(info).clusterEnabled()).isEqualTo(clusterEnabled);
    }

    @Test
    void readsTheClusterFlagSectionBySectionFromRedisMode() {
        assertThat(InfoParser.parse("role:master\r\n", null, null, "redis_mode:cluster\r\n")
                        .clusterEnabled())
                .isTrue();
        assertThat(InfoParser.parse("role:master\r\n", null, null, "redis_mode:standalone\r\n")
                        .clusterEnabled())
                .isFalse();
    }

    @Test
    void tellsARefusalOfSeveralSectionsFromOtherFailures() {
        // Redis 6.2's reply to INFO with more than one argument (shared.syntaxerr), and older servers' arity error.
        assertThat(InfoParser.refusesSeveralSections(new RedisCommandExecutionException("ERR syntax error")))
                .isTrue();
        assertThat(InfoParser.refusesSeveralSections(new CompletionException(
                        new RedisCommandExecutionException("ERR wrong number of arguments for 'info' command"))))
                .isTrue();
        assertThat(InfoParser.refusesSeveralSections(new RedisCommandExecutionException(
                        "NOPERM this user has no permissions to run the 'info' command")))
                .isFalse();
        assertThat(InfoParser.refusesSeveralSections(new RedisCommandExecutionException("LOADING Redis is loading")))
                .isFalse();
        assertThat(InfoParser.refusesSeveralSections(new RedisCommandTimeoutException("ERR syntax error")))
                .as("only a server's reply")
                .isFalse();
    }

    @Test
    void ignoresFieldsAddedByLaterRedisVersions() {
        String text = Samples.text("7.0", "master-with-two-replicas");
        String later = text.replace(
                        "master_failover_state:no-failover\r\n",
                        "master_failover_state:waiting-for-sync\r\nreplicas_waiting_psync:0\r\n")
                .replace("# Persistence\r\n", "# Persistence\r\nrdb_saves:3\r\nmystery line without colon\r\n")
                .replace("# Keyspace\r\n", "# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0,subexpiry=0\r\n")
                .replace("db0:keys=3,expires=0,avg_ttl=0\r\n", "");

        assertThat(later).contains("replicas_waiting_psync:0").isNotEqualTo(text);
        assertThat(Samples.parse(later)).isEqualTo(Samples.parse(text));
    }

    @Test
    void capsAHugeLinkDownTimeAtTheUptime() {
        // Older servers print "now - 0" for a replica that never reached its master.
        String text = Samples.text("6.2", "replica-never-connected")
                .replace("master_link_down_since_seconds:-1", "master_link_down_since_seconds:1795794078");

        assertThat(Samples.parse(text).masterLinkDownSinceSeconds()).isEqualTo(2);
    }

    @Test
    void keepsTheLinkDownTimeWhenTheUptimeIsUnknown() {
        NodeReport report = InfoParser.parse(
                "role:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n"
                        + "master_link_down_since_seconds:1795794078\r\n",
                "",
                "",
                "");

        assertThat(report.masterLinkDownSinceSeconds()).isEqualTo(1795794078L);
    }

    @Test
    void reportsAnUnknownLinkDownTimeWhenTheFieldIsAbsent() {
        NodeReport report = InfoParser.parse(
                "role:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:down\r\n",
                "",
                "",
                "uptime_in_seconds:100\r\n");

        assertThat(report.masterLinkUp()).isFalse();
        assertThat(report.masterLinkDownSinceSeconds()).isEqualTo(-1);
    }

    @Test
    void fallsBackToTheMasterOffsetForAReplicaWithoutItsOwn() {
        NodeReport report = InfoParser.parse(
                "role:slave\r\nmaster_host:h\r\nmaster_port:1\r\nmaster_repl_offset:77\r\n", null, null, null);

        assertThat(report.replOffset()).isEqualTo(77);
    }

    @Test
    void sumsKeysOverAllDatabases() {
        NodeReport report = InfoParser.parse(
                "role:master\r\n",
                "loading:0\r\n",
                "# Keyspace\r\ndb0:keys=3,expires=0,avg_ttl=0\r\ndb5:keys=40,expires=2,avg_ttl=10\r\n"
                        + "db15:keys=500,expires=0,avg_ttl=0\r\n",
                "");

        assertThat(report.keys()).isEqualTo(543);
    }

    @Test
    void countsReplicaLinesWhenConnectedSlavesIsMissing() {
        NodeReport report = InfoParser.parse(
                "role:master\r\nslave0:ip=10.0.0.2,port=6379,state=online,offset=5,lag=0"
                        + "\r\nslave1:ip=10.0.0.3,port=6379,state=wait_bgsave,offset=0,lag=0\r\n",
                "",
                "",
                "");

        assertThat(report.connectedReplicas()).isEqualTo(2);
    }

    @Test
    void trustsConnectedSlavesOverTheReplicaLines() {
        // Redis leaves out the line of a replica whose peer address it cannot read, but still counts it.
        NodeReport report = InfoParser.parse(
                "role:master\r\nconnected_slaves:3\r\n"
                        + "slave0:ip=10.0.0.2,port=6379,state=online,offset=5,lag=0\r\n",
                "",
                "",
                "");

        assertThat(report.connectedReplicas()).isEqualTo(3);
    }

    @Test
    void acceptsTheReplicaSpellingOfTheRole() {
        assertThat(InfoParser.parse("role:replica\r\nmaster_host:h\r\nmaster_port:1\r\n", "", "", "")
                        .role())
                .isEqualTo(REPLICA);
    }

    @Test
    void keepsMasterFieldsOffAMaster() {
        NodeReport report = InfoParser.parse(
                "role:master\r\nmaster_host:stale\r\nmaster_port:6379\r\n"
                        + "master_link_status:up\r\nmaster_sync_in_progress:1\r\n",
                "",
                "",
                "");

        assertThat(report.masterHost()).isNull();
        assertThat(report.masterPort()).isZero();
        assertThat(report.masterLinkUp()).isFalse();
        assertThat(report.syncInProgress()).isFalse();
        assertThat(report.masterAddress()).isNull();
    }

    @Test
    void toleratesMissingAndMalformedInput() {
        NodeReport empty = InfoParser.parse(null, null, null, null);
        NodeReport garbled = InfoParser.parse(
                "role:\r\nmaster_repl_offset:lots\r\nsecond_repl_offset:\r\n",
                "loading:maybe\r\n",
                "db0:keys=many\r\ndbx:keys=9\r\n",
                "redis_mode\r\n");

        NodeReport nothing =
                new NodeReport(Role.UNKNOWN, null, null, null, -1, 0, null, 0, false, -1, false, false, 0, 0);
        assertThat(empty).isEqualTo(nothing);
        assertThat(garbled).isEqualTo(nothing);
    }

    @Test
    void formatsTheFollowedAddress() {
        assertThat(Samples.parse("6.2", "replica-linked").masterAddress()).isEqualTo("127.77.62.1:6379");
        assertThat(InfoParser.parse("role:slave\r\nmaster_host:fd00::1\r\nmaster_port:6379\r\n", "", "", "")
                        .masterAddress())
                .isEqualTo("[fd00::1]:6379");
    }

    private static String lf(String crlf) {
        return crlf.replace("\r\n", "\n");
    }
}
