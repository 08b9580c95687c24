package io.github.mooring.examples.app;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * The example web application: a visit counter, a cached lookup and a pub/sub feed on Redis, following the live
 * master through the Mooring starter. Its Redis settings are all in {@code application.yaml} ({@code mooring.*},
 * {@code spring.data.redis.*}); in a cluster the Secret adds the password ({@code SPRING_DATA_REDIS_PASSWORD}).
 */
@SpringBootApplication
@EnableCaching
public class ExampleApplication {

    /** Starts the application; the executable jar's main class. */
    public static void main(String[] args) {
        SpringApplication.run(ExampleApplication.class, args);
    }

    /** The feed's subscription: one pub/sub connection, moved to each new master with the others. */
    @Bean
    RedisMessageListenerContainer feedListenerContainer(RedisConnectionFactory connectionFactory, Feed feed) {
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(connectionFactory);
        container.addMessageListener(feed, new ChannelTopic(Feed.CHANNEL));
        return container;
    }
}
