package io.github.mooring.examples.app;

import java.io.Serializable;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

/**
 * A harbour's forecast, standing in for a slow call to another service: the reason to cache it. Each answer is
 * cached in Redis ({@code spring.cache.redis.time-to-live} in {@code application.yaml}), so every replica of the
 * application shares it and it survives the application's restarts, and a master change.
 */
@Service
public class ForecastService {

    private final AtomicLong computations = new AtomicLong();

    /** The forecast for a harbour, computed on a cache miss only. */
    @Cacheable("forecasts")
    public Forecast forecast(String harbour) {
        long computation = computations.incrementAndGet();
        // Deterministic per harbour, so a cached answer and a fresh one can only differ in when they were computed.
        int wind = Math.floorMod(harbour.hashCode(), 7) + 1;
        return new Forecast(harbour, "wind " + wind + " Bft, moorings hold", computation, Instant.now());
    }

    /** How many forecasts this instance has computed: cache misses. */
    public long computations() {
        return computations.get();
    }

    /**
     * A forecast as cached in Redis (Java serialization, Spring Boot's default for Redis caches).
     *
     * @param harbour the harbour it is for
     * @param text the forecast
     * @param computation which computation of this instance made it (1 for the first)
     * @param computedAt when it was computed; a cached answer keeps the original time
     */
    public record Forecast(String harbour, String text, long computation, Instant computedAt) implements Serializable {}
}
