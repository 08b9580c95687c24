package io.github.mooring.boot.health;

import io.github.mooring.MooringClient;
import io.github.mooring.topology.Topology;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.boot.data.redis.health.DataRedisHealthIndicator;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Spring Boot's {@code redis} health check, for a Mooring connection factory. Boot's own check sends {@code INFO}
 * through the factory; through Mooring that command waits for the next master during a failover, so the health
 * endpoint would hang for as long. This one answers at once from the topology when there is no master
 * ({@code OUT_OF_SERVICE}: a failover is in progress; the {@code mooring} contributor turns to {@code DOWN} once it
 * lasts longer than the failover wait), and otherwise runs Boot's check with a time limit.
 */
public final class MooringRedisHealthIndicator extends AbstractHealthIndicator {

    /** How long Boot's check may take when there is a master. */
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final MooringClient client;
    private final DataRedisHealthIndicator boot;

    public MooringRedisHealthIndicator(MooringClient client, RedisConnectionFactory connectionFactory) {
        super("Redis health check failed");
        this.client = client;
        this.boot = new DataRedisHealthIndicator(connectionFactory);
    }

    /** Spring Boot's own {@code redis} check, as for a Redis Cluster's connection factory. */
    static HealthIndicator bootCheck(RedisConnectionFactory connectionFactory) {
        return new DataRedisHealthIndicator(connectionFactory);
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        Topology topology = client.topology();
        if (!topology.hasMaster()) {
            builder.outOfService()
                    .withDetail(
                            "error", "no master: " + topology.noMasterReason().orElse("unknown"));
            return;
        }
        CompletableFuture<Health> check = CompletableFuture.supplyAsync(boot::health);
        try {
            Health health = check.get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            builder.status(health.getStatus()).withDetails(health.getDetails());
        } catch (TimeoutException e) {
            check.cancel(true);
            builder.down()
                    .withDetail(
                            "error",
                            "no answer within " + CHECK_TIMEOUT.toMillis() + " ms (a failover may have just begun)");
        } catch (ExecutionException e) {
            builder.down(e.getCause());
        }
    }
}
