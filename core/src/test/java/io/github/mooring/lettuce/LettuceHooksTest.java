package io.github.mooring.lettuce;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.MooringOptions;
import io.github.mooring.internal.lettuce.Lettuce6Reset;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.CommandListenerWriter;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.internal.ExceptionFactory;
import io.lettuce.core.protocol.CommandExpiryWriter;
import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.ConnectionFacade;
import io.lettuce.core.protocol.DefaultEndpoint;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.PushHandler;
import io.lettuce.core.protocol.ReadOnlyCommands;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.pubsub.PubSubEndpoint;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnectionImpl;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.EpollProvider;
import io.netty.buffer.ByteBuf;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Guards, one per Lettuce hook Mooring uses that Lettuce does not promise to keep: each fails, naming the hook and
 * who relies on it, when the Lettuce on the classpath changes it (signature, visibility, finality). Their behaviour
 * (call order and thread, listener order around a disconnect, wrapped commands) is guarded by
 * {@code LettuceHooksIT}. Both run on each Lettuce line the build supports (default build and profile boot-4.0).
 */
class LettuceHooksTest {

    @Test
    void redisClientCanBeSubclassedWithResourcesAndAUri() throws Exception {
        assertThat(Modifier.isFinal(RedisClient.class.getModifiers()))
                .as(hook("RedisClient is final", "MooringRedisClient and NodeClient extend it"))
                .isFalse();
        Constructor<RedisClient> constructor =
                RedisClient.class.getDeclaredConstructor(ClientResources.class, RedisURI.class);
        assertThat(Modifier.isProtected(constructor.getModifiers()) || Modifier.isPublic(constructor.getModifiers()))
                .as(hook(
                        "RedisClient(ClientResources, RedisURI) is not accessible to subclasses",
                        "MooringRedisClient's and NodeClient's constructors"))
                .isTrue();
    }

    @Test
    void getSocketAddressIsAnOverridableHookReturningAMono() throws Exception {
        Method method = RedisClient.class.getDeclaredMethod("getSocketAddress", RedisURI.class);
        assertOverridable(
                method,
                Mono.class,
                "MooringRedisClient.getSocketAddress (every connect and reconnect goes"
                        + " to the current master), NodeClient.getSocketAddress (probes go to one pod)");
    }

    @Test
    void newStatefulRedisConnectionIsAnOverridableHookTakingTheWriterAndPushHandler() throws Exception {
        Method method = RedisClient.class.getDeclaredMethod(
                "newStatefulRedisConnection",
                RedisChannelWriter.class,
                PushHandler.class,
                RedisCodec.class,
                Duration.class);
        assertOverridable(
                method,
                StatefulRedisConnectionImpl.class,
                "MooringRedisClient.newStatefulRedisConnection (puts FailoverWriter in front of Lettuce's writer)");
    }

    @Test
    void newStatefulRedisPubSubConnectionIsAnOverridableHookTakingTheEndpointAndWriter() throws Exception {
        Method method = RedisClient.class.getDeclaredMethod(
                "newStatefulRedisPubSubConnection",
                PubSubEndpoint.class,
                RedisChannelWriter.class,
                RedisCodec.class,
                Duration.class);
        assertOverridable(
                method,
                StatefulRedisPubSubConnectionImpl.class,
                "MooringRedisClient.newStatefulRedisPubSubConnection (pub/sub connections follow the master too)");
    }

    @Test
    void defaultEndpointCanBeDisconnectedFromOutside() throws Exception {
        Method disconnect = DefaultEndpoint.class.getMethod("disconnect");
        assertThat(Modifier.isPublic(disconnect.getModifiers()))
                .as(hook(
                        "DefaultEndpoint.disconnect() is not public",
                        "MooringRedisClient moves a connection off a node that is no longer the master"))
                .isTrue();
        assertThat(PushHandler.class.isAssignableFrom(DefaultEndpoint.class))
                .as(hook(
                        "DefaultEndpoint no longer implements PushHandler",
                        "MooringRedisClient.endpointOf(PushHandler)"))
                .isTrue();
    }

    @Test
    void commandWrapperCanBeExtendedAndSeesEncodingAndCompletion() throws Exception {
        assertThat(Modifier.isPublic(
                        CommandWrapper.class.getConstructor(RedisCommand.class).getModifiers()))
                .as(hook("CommandWrapper(RedisCommand) is not public", "FailoverCommand"))
                .isTrue();
        for (Method method : List.of(
                CommandWrapper.class.getMethod("encode", ByteBuf.class),
                CommandWrapper.class.getMethod("complete"),
                CommandWrapper.class.getMethod("completeExceptionally", Throwable.class),
                CommandWrapper.class.getMethod("cancel"))) {
            assertThat(Modifier.isFinal(method.getModifiers()))
                    .as(hook(
                            "CommandWrapper." + method.getName() + " became final",
                            "FailoverCommand overrides it (written? retried? fate?)"))
                    .isFalse();
        }
    }

    @Test
    void failoverWriterImplementsEveryMethodOfRedisChannelWriter() {
        List<String> missing = Arrays.stream(RedisChannelWriter.class.getMethods())
                .filter(m -> Modifier.isAbstract(m.getModifiers()))
                .filter(m -> {
                    try {
                        return Modifier.isAbstract(FailoverWriter.class
                                .getMethod(m.getName(), m.getParameterTypes())
                                .getModifiers());
                    } catch (NoSuchMethodException e) {
                        return true;
                    }
                })
                .map(Method::toString)
                .toList();
        assertThat(missing)
                .as(hook(
                        "RedisChannelWriter has methods FailoverWriter does not implement (calling them"
                                + " would throw AbstractMethodError)",
                        "FailoverWriter, Mooring's outermost writer"))
                .isEmpty();
    }

    @Test
    void failoverWritersFacadeImplementsEveryMethodOfConnectionFacade() throws Exception {
        Class<?> facade = Class.forName(FailoverWriter.class.getName() + "$ActivationAware");
        List<String> missing = Arrays.stream(ConnectionFacade.class.getMethods())
                .filter(m -> Modifier.isAbstract(m.getModifiers()))
                .filter(m -> {
                    try {
                        return Modifier.isAbstract(facade.getMethod(m.getName(), m.getParameterTypes())
                                .getModifiers());
                    } catch (NoSuchMethodException e) {
                        return true;
                    }
                })
                .map(Method::toString)
                .toList();
        assertThat(missing)
                .as(hook(
                        "ConnectionFacade has methods FailoverWriter's ActivationAware does not implement"
                                + " (calling them would throw AbstractMethodError)",
                        "FailoverWriter.setConnectionFacade, which sees"
                                + " activated() before Lettuce flushes its buffer"))
                .isEmpty();
    }

    @Test
    void theHelpersMooringCallsAreStillPublicAndStatic() throws Exception {
        assertPublicStatic(
                ReadOnlyCommands.class.getMethod("isReadOnlyCommand", ProtocolKeyword.class),
                "CommandSafety: a read-only command may be re-sent after a lost connection");
        assertPublicStatic(
                ExceptionFactory.class.getMethod("createExecutionException", String.class),
                "FailoverCommand: the retry policy sees Lettuce's own exception for READONLY/LOADING/MASTERDOWN");
        assertPublicStatic(
                EpollProvider.class.getMethod("isAvailable"),
                "MooringOptions.clientOptions: TCP_USER_TIMEOUT only where epoll can set it");
    }

    @Test
    void lettuceSixOnlyMethodsAreReachedExactlyWhereTheyExist() throws Exception {
        boolean six = LettuceLine.six();
        assertThat(Lettuce6Reset.RESET != null)
                .as(hook(
                        six
                                ? "RedisChannelWriter.reset() is gone from Lettuce 6"
                                : "RedisChannelWriter.reset() is back in Lettuce " + LettuceLine.version(),
                        "FailoverWriter.reset() and NodeGate.reset() (Lettuce6Reset)"))
                .isEqualTo(six);
        Method cancel = findCancelOption();
        assertThat(cancel != null)
                .as(hook(
                        six
                                ? "ClientOptions.Builder.cancelCommandsOnReconnectFailure is gone from" + " Lettuce 6"
                                : "ClientOptions.Builder.cancelCommandsOnReconnectFailure is back in Lettuce "
                                        + LettuceLine.version(),
                        "MooringOptions.clientOptions (Lettuce6ClientOptions)"))
                .isEqualTo(six);
        if (six) {
            // An application's options that cancel waiting commands when a reconnect fails: Mooring turns that off.
            ClientOptions.Builder base = ClientOptions.builder();
            cancel.invoke(base, true);
            ClientOptions mooring = MooringOptions.builder()
                    .service("redis")
                    .namespace("ns")
                    .clientOptions(base.build())
                    .build()
                    .clientOptions();
            assertThat(ClientOptions.class
                            .getMethod("isCancelCommandsOnReconnectFailure")
                            .invoke(mooring))
                    .as("Mooring's client options on Lettuce 6 keep waiting commands when a reconnect fails")
                    .isEqualTo(false);
        }
    }

    private static Method findCancelOption() {
        try {
            return ClientOptions.Builder.class.getMethod("cancelCommandsOnReconnectFailure", boolean.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    @Test
    void theCommandTimerTakesItsTimeoutFromWhoeverHoldsIt() throws Exception {
        // RedisChannelHandler.setTimeout reaches a CommandExpiryWriter only as the connection's writer or behind a
        // CommandListenerWriter: behind the FailoverWriter, Mooring hands the timeout on itself.
        String reliedOnBy = "MooringRedisClient.passTimeoutOn (asynchronous commands time out)";
        Method setTimeout = CommandExpiryWriter.class.getMethod("setTimeout", Duration.class);
        assertThat(Modifier.isPublic(setTimeout.getModifiers()))
                .as(hook("CommandExpiryWriter.setTimeout(Duration) is no longer public", reliedOnBy))
                .isTrue();
        assertThat(CommandListenerWriter.class.getMethod("getDelegate").getReturnType())
                .as(hook("CommandListenerWriter.getDelegate() no longer returns the writer", reliedOnBy))
                .isEqualTo(RedisChannelWriter.class);
    }

    private static void assertOverridable(Method method, Class<?> returnType, String reliedOnBy) {
        int modifiers = method.getModifiers();
        assertThat(Modifier.isProtected(modifiers) || Modifier.isPublic(modifiers))
                .as(hook(method + " is no longer protected or public", reliedOnBy))
                .isTrue();
        assertThat(Modifier.isFinal(modifiers))
                .as(hook(method + " became final", reliedOnBy))
                .isFalse();
        assertThat(method.getReturnType())
                .as(hook(method + " returns something else", reliedOnBy))
                .isEqualTo(returnType);
    }

    private static void assertPublicStatic(Method method, String reliedOnBy) {
        assertThat(Modifier.isPublic(method.getModifiers()) && Modifier.isStatic(method.getModifiers()))
                .as(hook(method + " is no longer public static", reliedOnBy))
                .isTrue();
    }

    /** The failure message: what changed in which Lettuce, and what in Mooring relies on it. */
    static String hook(String whatChanged, String reliedOnBy) {
        return "Lettuce " + LettuceLine.version() + ": " + whatChanged + ". Mooring relies on it: " + reliedOnBy
                + " (see design.md, 'Following the master')";
    }
}
