package io.github.mooring.boot.sample;

import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;

/** A slow lookup cached in Redis. */
@Service
public class PriceService {

    private final AtomicInteger computations = new AtomicInteger();

    @Cacheable("prices")
    public String price(String sku) {
        computations.incrementAndGet();
        return "price-of-" + sku;
    }

    /** How often {@link #price} really ran (cache misses). */
    public int computations() {
        return computations.get();
    }
}
