package io.github.mooring.testkit;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Lettuce's cluster client as its users are told to configure it on Kubernetes: seeded with the Service's DNS name
 * (resolved by the namespace's cluster DNS, answers cached for their TTL as a JVM resolver does), periodic refresh
 * and every adaptive refresh trigger on. The only addition is that it notes when it refreshes its topology, which
 * changes nothing it does.
 */
final class PlainLettuceCluster implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofMillis(1000);

    final ClientResources resources;
    final ObservedClient client;

    PlainLettuceCluster(SimulatedNamespace ns, RedisCluster cluster, Duration periodicRefresh) {
        this.resources = DefaultClientResources.builder()
                .addressResolverGroup(new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                        .datagramChannelType(NioDatagramChannel.class)
                        .nameServerProvider(new SingletonDnsServerAddressStreamProvider(
                                ns.dns().address()))))
                .build();
        RedisURI seed = RedisURI.builder()
                .withHost(cluster.serviceDnsName())
                .withPort(cluster.port())
                .withTimeout(TIMEOUT)
                .build();
        this.client = new ObservedClient(resources, seed);
        client.setOptions(ClusterClientOptions.builder()
                .socketOptions(SocketOptions.builder().connectTimeout(TIMEOUT).build())
                .timeoutOptions(TimeoutOptions.enabled(TIMEOUT))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(periodicRefresh)
                        .enableAdaptiveRefreshTrigger(
                                ClusterTopologyRefreshOptions.RefreshTrigger.values()) // every adaptive trigger
                        .build())
                .build());
    }

    @Override
    public void close() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** Notes the {@link System#nanoTime()} of every topology refresh Lettuce starts, periodic or adaptive. */
    static final class ObservedClient extends RedisClusterClient {

        final List<Long> refreshes = new CopyOnWriteArrayList<>();

        ObservedClient(ClientResources resources, RedisURI seed) {
            super(resources, List.of(seed));
        }

        @Override
        public CompletionStage<Void> refreshPartitionsAsync() {
            refreshes.add(System.nanoTime());
            return super.refreshPartitionsAsync();
        }
    }
}
