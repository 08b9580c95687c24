package example.boot;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.StringRedisTemplate;

import io.github.mooring.exceptions.CommandFateUnknownException;

/**
 * An ordinary Spring Boot Redis application: a counter ({@code INCR visits} every 20 ms through
 * {@link StringRedisTemplate}) until standard input closes. Prints {@code VERSIONS ...} once started,
 * {@code WRITING} after the first acknowledged write, {@code ACKED n} every 25, and at the end
 * {@code RESULT acknowledged=a fateUnknown=f failed=e}.
 * <p>
 * Its configuration is {@code mooring.service=redis} (application.properties); the test adds, through the
 * environment, what a pod would have: the namespace, the credentials, the kubeconfig, and {@code mooring.source}
 * (outside a pod {@code auto} looks at DNS today; issue 13 teaches it the kubeconfig).
 */
@SpringBootApplication
public class CounterApplication {

    public static void main(String[] args) throws Exception {
        ConfigurableApplicationContext context = SpringApplication.run(CounterApplication.class, args);
        System.out.println("VERSIONS boot=" + SpringBootVersion.getVersion()
                + " lettuce=" + io.lettuce.core.RedisClient.class.getPackage().getImplementationVersion()
                + " netty=" + io.netty.util.Version.identify().get("netty-common").artifactVersion());
        StringRedisTemplate redis = context.getBean(StringRedisTemplate.class);

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

        long acknowledged = 0;
        long fateUnknown = 0;
        long failed = 0;
        String lastError = "";
        while (!stop.get()) {
            try {
                redis.opsForValue().increment("visits");
                acknowledged++;
                if (acknowledged == 1) {
                    System.out.println("WRITING");
                }
                if (acknowledged % 25 == 0) {
                    System.out.println("ACKED " + acknowledged);
                }
            } catch (RuntimeException e) {
                if (causedByFateUnknown(e)) {
                    fateUnknown++;
                } else {
                    failed++;
                }
                lastError = e.toString();
            }
            Thread.sleep(20);
        }
        System.out.println("RESULT acknowledged=" + acknowledged + " fateUnknown=" + fateUnknown + " failed=" + failed
                + " lastError=" + lastError.replace('\n', ' '));
        System.exit(SpringApplication.exit(context));
    }

    private static boolean causedByFateUnknown(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CommandFateUnknownException) {
                return true;
            }
        }
        return false;
    }
}
