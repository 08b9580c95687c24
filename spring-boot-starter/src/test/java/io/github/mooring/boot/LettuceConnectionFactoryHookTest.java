package io.github.mooring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Guard of the Spring Data Redis hook the starter relies on: {@link MooringLettuceConnectionFactory} overrides
 * {@code LettuceConnectionFactory.createClient()} to hand Spring the {@code MooringRedisClient}. Fails, naming the
 * hook, if a Spring Data Redis version changes its signature or stops building its connections on the client it
 * returns. Runs on each Boot line the build supports (default build, profile boot-4.0).
 */
class LettuceConnectionFactoryHookTest {

    @Test
    void createClientIsAnOverridableHookReturningTheLettuceClient() throws Exception {
        Method createClient = LettuceConnectionFactory.class.getDeclaredMethod("createClient");
        int modifiers = createClient.getModifiers();
        assertThat(Modifier.isProtected(modifiers) && !Modifier.isFinal(modifiers) && !Modifier.isStatic(modifiers))
                .as(hook("createClient() is no longer a protected, overridable instance method"))
                .isTrue();
        assertThat(createClient.getReturnType())
                .as(hook("createClient() returns something else"))
                .isEqualTo(AbstractRedisClient.class);
    }

    @Test
    void theFactoryUsesTheClientCreateClientReturnsAndAsksForItOncePerStart() {
        ClientResources resources = DefaultClientResources.create();
        RedisClient client = RedisClient.create(resources, RedisURI.create("redis://localhost"));
        AtomicInteger created = new AtomicInteger();
        LettuceConnectionFactory factory =
                new LettuceConnectionFactory(
                        new RedisStandaloneConfiguration(),
                        LettuceClientConfiguration.builder()
                                .clientResources(resources)
                                .build()) {
                    @Override
                    protected AbstractRedisClient createClient() {
                        created.incrementAndGet();
                        return client;
                    }
                };
        try {
            factory.afterPropertiesSet();
            factory.start();
            assertThat(created)
                    .as(hook("start() did not call createClient() exactly once"))
                    .hasValue(1);
            assertThat(factory.getNativeClient())
                    .as(hook("the factory's client is not the one createClient() returned"))
                    .isSameAs(client);
        } finally {
            factory.destroy();
            resources.shutdown();
        }
    }

    private static String hook(String whatChanged) {
        return "Spring Data Redis "
                + LettuceConnectionFactory.class.getPackage().getImplementationVersion() + ": "
                + whatChanged + ". MooringLettuceConnectionFactory overrides LettuceConnectionFactory.createClient() to"
                + " give Spring Mooring's client, whose connections follow the master";
    }
}
