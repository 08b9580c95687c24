package io.github.mooring.examples.app;

import java.util.List;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /feed} publishes a message on the feed's channel; {@code GET /feed} shows what the subscriber heard. */
@RestController
public class FeedController {

    private final StringRedisTemplate redis;

    private final Feed feed;

    FeedController(StringRedisTemplate redis, Feed feed) {
        this.redis = redis;
        this.feed = feed;
    }

    /** Publishes the request's body (plain text); answers how many subscriptions Redis delivered it to. */
    @PostMapping(path = "/feed", consumes = "text/plain")
    public Published publish(@RequestBody String message) {
        Long receivers = redis.convertAndSend(Feed.CHANNEL, message);
        return new Published(message, receivers == null ? 0 : receivers);
    }

    /** The last messages this instance received, oldest first. */
    @GetMapping("/feed")
    public List<Feed.Entry> latest() {
        return feed.latest();
    }

    /**
     * @param message the message published
     * @param receivers subscriptions it reached, across all instances of the application (PUBLISH's answer)
     */
    public record Published(String message, long receivers) {}
}
