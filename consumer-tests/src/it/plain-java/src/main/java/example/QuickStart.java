package example;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.mooring.exceptions.CommandFateUnknownException;
import io.github.mooring.MooringClient;
import io.github.mooring.MooringOptions;
import io.github.mooring.discovery.EndpointSource;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * The README's "Quick start: plain Java", then a counter: {@code INCR visits} every 20 ms until standard input
 * closes. Prints {@code WRITING} after the first acknowledged write, {@code ACKED n} every 25, and at the end
 * {@code RESULT acknowledged=a fateUnknown=f failed=e}.
 * <p>
 * Outside a pod: the namespace comes from {@code NAMESPACE}, the API server from the kubeconfig ({@code KUBECONFIG}),
 * and the source is named, because the default source ({@code auto}) looks for the Kubernetes API only inside a pod
 * today (issue 13 teaches it the kubeconfig; then the {@code source(...)} line goes).
 */
public final class QuickStart {

    public static void main(String[] args) throws Exception {
        String secret = System.getenv("REDIS_PASSWORD");

        // ---- the README's Quick start
        MooringClient mooring = MooringClient.create(MooringOptions.builder()
                .service("redis")                                   // the Service in front of the Redis pods
                .namespace(System.getenv("NAMESPACE"))
                .source(EndpointSource.kubernetes())
                .redisUri(RedisURI.builder().withHost("redis")      // credentials, TLS, database, timeout as usual
                        .withAuthentication("app", secret).build())
                .build());

        StatefulRedisConnection<String, String> connection = mooring.connect();   // an ordinary Lettuce connection
        connection.sync().incr("visits");
        System.out.println("TOPOLOGY " + mooring.topology());
        mooring.addListener(event -> System.out.println("EVENT " + event));
        // ---- end of the Quick start
        System.out.println("VERSIONS lettuce=" + io.lettuce.core.RedisClient.class.getPackage().getImplementationVersion()
                + " netty=" + io.netty.util.Version.identify().get("netty-common").artifactVersion());

        AtomicBoolean stop = new AtomicBoolean();
        Thread stdin = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
                while (in.readLine() != null) {
                    // nothing to read; EOF is the signal
                }
            } catch (Exception ignored) {
                // closed
            }
            stop.set(true);
        }, "stdin");
        stdin.setDaemon(true);
        stdin.start();

        long acknowledged = 1; // the Quick start's own INCR
        long fateUnknown = 0;
        long failed = 0;
        String lastError = "";
        System.out.println("WRITING");
        while (!stop.get()) {
            try {
                connection.sync().incr("visits");
                acknowledged++;
                if (acknowledged % 25 == 0) {
                    System.out.println("ACKED " + acknowledged);
                }
            } catch (CommandFateUnknownException e) {
                fateUnknown++;
                lastError = e.toString();
            } catch (RuntimeException e) {
                failed++;
                lastError = e.toString();
            }
            Thread.sleep(20);
        }
        System.out.println("RESULT acknowledged=" + acknowledged + " fateUnknown=" + fateUnknown + " failed=" + failed
                + " lastError=" + lastError.replace('\n', ' '));
        connection.close();
        mooring.close();
    }
}
