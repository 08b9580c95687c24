package io.github.mooring.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.cluster.ClusterPushHandler;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.StatefulRedisClusterConnectionImpl;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.PushHandler;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.resource.ClientResources;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The Lettuce template methods {@link MooringClusterClient} overrides. Each is a protected (or public), non-final,
 * non-static method of {@code RedisClusterClient} in Lettuce 6.8 and 7.x; a Lettuce that renames, hides or finalises
 * one fails here, naming what relies on it, before an override silently stops being called. What Lettuce passes them
 * (views keyed by the source asked, each with its own {@code myself} line) is checked against real servers by
 * {@code ClusterHooksIT}.
 */
class ClusterHooksTest {

    @Test
    void theRefreshSourcesComeFromAnOverridableMethod() throws NoSuchMethodException {
        assertOverridable(
                RedisClusterClient.class.getDeclaredMethod("getTopologyRefreshSource"),
                Iterable.class,
                "refresh sources = the Service's endpoints");
    }

    @Test
    void discoveryOfListedNodesIsAnOverridableSwitch() throws NoSuchMethodException {
        assertOverridable(
                RedisClusterClient.class.getDeclaredMethod("useDynamicRefreshSources"),
                boolean.class,
                "no connects to the stale IPs nodes list for each other");
    }

    @Test
    void theChosenTopologyPassesThroughAnOverridableMethodWithEveryView() throws NoSuchMethodException {
        assertOverridable(
                RedisClusterClient.class.getDeclaredMethod("determinePartitions", Partitions.class, Map.class),
                Partitions.class,
                "each node at the address its node ID answered at");
    }

    @Test
    void everyTopologyLoadPassesThroughAnOverridableMethod() throws NoSuchMethodException {
        assertOverridable(
                RedisClusterClient.class.getDeclaredMethod("loadPartitionsAsync"),
                CompletableFuture.class,
                "a load that no endpoint answered probes the endpoints for refused credentials");
    }

    @Test
    void aRefreshCanBeStartedAtOnceAndTheClientBuiltWithItsSeed() throws NoSuchMethodException {
        Method refresh = RedisClusterClient.class.getDeclaredMethod("refreshPartitionsAsync");
        assertThat(refresh.getReturnType())
                .as("refreshPartitionsAsync() (an endpoint change refreshes at once)")
                .isEqualTo(CompletionStage.class);
        assertThat(Modifier.isPublic(refresh.getModifiers())).isTrue();
        Constructor<RedisClusterClient> constructor =
                RedisClusterClient.class.getDeclaredConstructor(ClientResources.class, Iterable.class);
        assertThat(Modifier.isProtected(constructor.getModifiers()) || Modifier.isPublic(constructor.getModifiers()))
                .as("RedisClusterClient(ClientResources, Iterable<RedisURI>) (MooringClusterClient's super call)")
                .isTrue();
        assertThat(RedisURI.class.getName()).isEqualTo("io.lettuce.core.RedisURI");
    }

    @Test
    void clusterAndNodeConnectionsAreBuiltThroughOverridableMethods() throws NoSuchMethodException {
        assertOverridable(
                RedisClusterClient.class.getDeclaredMethod(
                        "newStatefulRedisClusterConnection",
                        RedisChannelWriter.class,
                        ClusterPushHandler.class,
                        RedisCodec.class,
                        Duration.class,
                        Supplier.class),
                StatefulRedisClusterConnectionImpl.class,
                "an OrderedClusterConnection for every cluster connection");
        Method dispatch = StatefulRedisClusterConnectionImpl.class.getDeclaredMethod("dispatch", RedisCommand.class);
        assertThat(Modifier.isPublic(dispatch.getModifiers()) && !Modifier.isFinal(dispatch.getModifiers()))
                .as(
                        "StatefulRedisClusterConnectionImpl.dispatch(RedisCommand) overridable (ClusterOrder numbers commands)")
                .isTrue();
        assertThat(Modifier.isPublic(StatefulRedisClusterConnectionImpl.class
                        .getDeclaredConstructor(
                                RedisChannelWriter.class,
                                ClusterPushHandler.class,
                                RedisCodec.class,
                                Duration.class,
                                Supplier.class)
                        .getModifiers()))
                .as("StatefulRedisClusterConnectionImpl's constructor (OrderedClusterConnection's super call)")
                .isTrue();
        assertOverridable(
                RedisClusterClient.class.getDeclaredMethod(
                        "newStatefulRedisConnection",
                        RedisChannelWriter.class,
                        PushHandler.class,
                        RedisCodec.class,
                        Duration.class,
                        Supplier.class),
                StatefulRedisConnectionImpl.class,
                "NodeGate in front of every node connection");
    }

    @Test
    void commandWrappersCanBeSeenThrough() throws NoSuchMethodException {
        Method unwrap = CommandWrapper.class.getDeclaredMethod("unwrap", RedisCommand.class, Class.class);
        assertThat(Modifier.isPublic(unwrap.getModifiers()) && Modifier.isStatic(unwrap.getModifiers()))
                .as("CommandWrapper.unwrap(command, type) (NodeGate finds the SlotCommand in Lettuce's ClusterCommand)")
                .isTrue();
    }

    private static void assertOverridable(Method method, Class<?> returnType, String reliedOnFor) {
        int modifiers = method.getModifiers();
        assertThat(method.getReturnType())
                .as("%s return type (%s)", method.getName(), reliedOnFor)
                .isEqualTo(returnType);
        assertThat(Modifier.isProtected(modifiers) || Modifier.isPublic(modifiers))
                .as("%s visible to a subclass (%s)", method.getName(), reliedOnFor)
                .isTrue();
        assertThat(Modifier.isFinal(modifiers) || Modifier.isStatic(modifiers))
                .as("%s overridable (%s)", method.getName(), reliedOnFor)
                .isFalse();
    }
}
