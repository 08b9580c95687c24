package io.github.mooring.examples.app;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** A visit counter: one {@code INCR} per visit on a Redis key. */
@RestController
public class VisitController {

    /** The Redis key holding the count. */
    static final String KEY = "example:visits";

    private final StringRedisTemplate redis;

    VisitController(StringRedisTemplate redis) {
        this.redis = redis;
    }

    /** Counts a visit; answers the count including it. */
    @PostMapping("/visits")
    public Visits visit() {
        return new Visits(redis.opsForValue().increment(KEY));
    }

    /** The count so far, without counting. */
    @GetMapping("/visits")
    public Visits visits() {
        String count = redis.opsForValue().get(KEY);
        return new Visits(count == null ? 0 : Long.parseLong(count));
    }

    /** @param visits visits counted so far */
    public record Visits(long visits) {}
}
