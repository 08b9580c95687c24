package io.github.mooring.examples.app;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.stereotype.Component;

/**
 * The subscriber of the {@value #CHANNEL} channel: keeps the last {@value #KEPT} messages it received, in memory.
 * Redis pub/sub delivers a message to the subscriptions present when it is published, so what this instance shows
 * is what it heard.
 */
@Component
public class Feed implements MessageListener {

    /** The Redis channel of the feed. */
    public static final String CHANNEL = "example:feed";

    /** How many messages are kept; older ones are dropped. */
    public static final int KEPT = 50;

    private final Deque<Entry> entries = new ArrayDeque<>(KEPT);

    @Override
    public void onMessage(Message message, byte[] pattern) {
        Entry entry = new Entry(new String(message.getBody(), StandardCharsets.UTF_8), Instant.now());
        synchronized (entries) {
            if (entries.size() == KEPT) {
                entries.removeFirst();
            }
            entries.addLast(entry);
        }
    }

    /** The messages kept, oldest first. */
    public List<Entry> latest() {
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }

    /**
     * A message as this instance received it.
     *
     * @param message its text
     * @param receivedAt when this instance's subscription delivered it
     */
    public record Entry(String message, Instant receivedAt) {}
}
