package io.github.mooring.internal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.internal.cluster.NodeAddresses.Moved;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which address a node ID answers at, and the topology rewritten to it. The views are real {@code CLUSTER NODES} of
 * Redis 7.0 right after pod {@code redis-0} (node {@code aaa...}) was replaced: 10.0.0.1 → 10.0.0.9.
 */
class NodeAddressesTest {

    private static final String A = "a".repeat(40);
    private static final String B = "b".repeat(40);
    private static final String C = "c".repeat(40);

    /** B's table, not yet told of A's new address. */
    private static final String SEEN_BY_B = """
            %s 10.0.0.1:6379@16379 master,fail? - 1796548517000 1796548516000 1 disconnected 0-5460
            %s 10.0.0.2:6379@16379 myself,master - 0 1796548517000 2 connected 5461-10921
            %s 10.0.0.3:6379@16379 master - 0 1796548518039 3 connected 10922-16383
            """.formatted(A, B, C);

    /** A itself, at its new IP (cluster-announce-ip), from its nodes.conf. */
    private static final String SEEN_BY_A = """
            %s 10.0.0.9:6379@16379 myself,master - 0 1796548517000 1 connected 0-5460
            %s 10.0.0.2:6379@16379 master - 0 1796548517000 2 connected 5461-10921
            %s 10.0.0.3:6379@16379 master - 0 1796548518039 3 connected 10922-16383
            """.formatted(A, B, C);

    @Test
    void aNodeIdAnswersWhereItsOwnLineCameFrom() {
        Map<RedisURI, Partitions> views = views(Map.of("10.0.0.2", SEEN_BY_B, "10.0.0.9", SEEN_BY_A));

        assertThat(NodeAddresses.answeredAt(views))
                .containsOnlyKeys(A, B)
                .hasEntrySatisfying(A, uri -> assertThat(uri.getHost()).isEqualTo("10.0.0.9"))
                .hasEntrySatisfying(B, uri -> assertThat(uri.getHost()).isEqualTo("10.0.0.2"));
    }

    @Test
    void aNodeListedAtItsOldIpMovesToWhereItAnswered() {
        Map<RedisURI, Partitions> views = views(Map.of("10.0.0.2", SEEN_BY_B, "10.0.0.9", SEEN_BY_A));
        Partitions chosen = views.get(uri("10.0.0.2"));

        List<Moved> moved = NodeAddresses.rewrite(chosen, NodeAddresses.answeredAt(views));

        assertThat(moved).containsExactly(new Moved(A, "10.0.0.1:6379", "10.0.0.9:6379"));
        assertThat(chosen.getPartitionBySlot(0).getUri().getHost()).isEqualTo("10.0.0.9");
        assertThat(chosen.getPartitionBySlot(5461).getUri().getHost()).isEqualTo("10.0.0.2");
        // C answered nowhere (down, or its endpoint not listed yet): it keeps its address.
        assertThat(chosen.getPartitionBySlot(16383).getUri().getHost()).isEqualTo("10.0.0.3");
    }

    @Test
    void aMasterServingSlotsThatAnsweredNowhereIsSuspect() {
        Map<RedisURI, Partitions> onlyB = views(Map.of("10.0.0.2", SEEN_BY_B));
        Map<RedisURI, Partitions> all = views(Map.of(
                "10.0.0.2", SEEN_BY_B,
                "10.0.0.9", SEEN_BY_A,
                "10.0.0.3",
                        SEEN_BY_B
                                .replace("myself,master", "master")
                                .replace(C + " 10.0.0.3:6379@16379 master", C + " 10.0.0.3:6379@16379 myself,master")));

        assertThat(NodeAddresses.aMasterAnswersNowhere(onlyB.get(uri("10.0.0.2")), NodeAddresses.answeredAt(onlyB)))
                .as("A and C answered nowhere")
                .isTrue();
        assertThat(NodeAddresses.aMasterAnswersNowhere(all.get(uri("10.0.0.2")), NodeAddresses.answeredAt(all)))
                .as("every master answered")
                .isFalse();
    }

    @Test
    void nothingMovesWhenEveryNodeIsWhereTheTopologySays() {
        Map<RedisURI, Partitions> views = views(Map.of("10.0.0.9", SEEN_BY_A));

        assertThat(NodeAddresses.rewrite(views.get(uri("10.0.0.9")), NodeAddresses.answeredAt(views)))
                .isEmpty();
    }

    @Test
    void aNodeIdTwoAddressesClaimMovesNowhere() {
        String alsoA = SEEN_BY_A.replace("10.0.0.9", "10.0.0.8");
        Map<RedisURI, Partitions> views =
                views(Map.of("10.0.0.2", SEEN_BY_B, "10.0.0.9", SEEN_BY_A, "10.0.0.8", alsoA));

        assertThat(NodeAddresses.answeredAt(views)).containsOnlyKeys(B);
        Partitions chosen = views.get(uri("10.0.0.2"));
        assertThat(NodeAddresses.rewrite(chosen, NodeAddresses.answeredAt(views)))
                .isEmpty();
        assertThat(chosen.getPartitionBySlot(0).getUri().getHost()).isEqualTo("10.0.0.1");
    }

    @Test
    void aMovedNodeKeepsItsConnectionSettings() {
        Map<RedisURI, Partitions> views = views(Map.of("10.0.0.2", SEEN_BY_B, "10.0.0.9", SEEN_BY_A));
        Partitions chosen = views.get(uri("10.0.0.2"));
        RedisURI listed = RedisURI.builder()
                .withHost("10.0.0.1")
                .withPort(6379)
                .withSsl(true)
                .withAuthentication("app", "secret".toCharArray())
                .build();
        chosen.getPartitionBySlot(0).setUri(listed);

        NodeAddresses.rewrite(chosen, NodeAddresses.answeredAt(views));

        RedisURI moved = chosen.getPartitionBySlot(0).getUri();
        assertThat(moved.getHost()).isEqualTo("10.0.0.9");
        assertThat(moved.isSsl()).isTrue();
        // Lettuce 7 keeps the provider, 6.8 copies it: what counts is the credentials it resolves.
        RedisCredentials credentials =
                moved.getCredentialsProvider().resolveCredentials().block();
        assertThat(credentials.getUsername()).isEqualTo("app");
        assertThat(credentials.getPassword()).containsExactly("secret".toCharArray());
    }

    private static Map<RedisURI, Partitions> views(Map<String, String> nodesBySource) {
        Map<RedisURI, Partitions> views = new LinkedHashMap<>();
        nodesBySource.forEach((ip, nodes) -> views.put(uri(ip), ClusterPartitionParser.parse(nodes)));
        return views;
    }

    private static RedisURI uri(String ip) {
        return RedisURI.create(ip, 6379);
    }
}
