package io.github.mooring.boot.sample;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.session.data.redis.config.annotation.web.http.EnableRedisHttpSession;

/**
 * An ordinary Spring Boot Redis application, as a team would have it before adding Mooring: templates, a cache, a
 * pub/sub subscriber, a reactive template, a repository and HTTP sessions in Redis. Nothing in it knows Mooring.
 */
@SpringBootApplication
@EnableCaching
@EnableRedisHttpSession
public class SampleApplication {

    /** Messages received on the {@code events} channel. */
    public static final List<String> RECEIVED = new CopyOnWriteArrayList<>();

    @Bean
    RedisMessageListenerContainer listenerContainer(RedisConnectionFactory connectionFactory) {
        RedisMessageListenerContainer container = new RedisMessageListenerContainer();
        container.setConnectionFactory(connectionFactory);
        container.addMessageListener(
                (message, pattern) -> RECEIVED.add(new String(message.getBody())), new ChannelTopic("events"));
        return container;
    }
}
