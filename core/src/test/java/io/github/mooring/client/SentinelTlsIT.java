package io.github.mooring.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.mooring.testkit.Credentials;
import io.github.mooring.testkit.PodRuntime;
import io.github.mooring.testkit.Sentinels;
import io.github.mooring.testkit.SimulatedNamespace;
import io.github.mooring.testkit.SimulatedNamespaceExtension;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pods and Sentinels that speak only TLS ({@code port 0}; the Sentinels with {@code tls-port 26379} and {@code
 * tls-replication yes}, sharing the pods' certificate as sidecars share their pod's Secret), the certificate naming the
 * Service's DNS names, not the IPs. Mooring reads the pods' hello channel and subscribes to the Sentinels' events over
 * TLS with the application's trust material and full host name verification (no plain port exists to fall back to),
 * and follows a planned {@code SENTINEL FAILOVER} on those events (probes every 30 s) under a synchronous writer and a
 * pipelining one, with the ledger's end checks of {@link SentinelEventsIT}.
 */
@ExtendWith(SimulatedNamespaceExtension.class)
class SentinelTlsIT {

    private static final String PODS_SECRET = "tls-pods-secret-2b7a";
    private static final String SENTINELS_SECRET = "tls-sentinels-secret-c3e1";

    @Test
    void followsASentinelFailoverOverTls(SimulatedNamespace ns) {
        try (FailoverRun run = new FailoverRun(
                ns,
                Disruption.SENTINEL_FAILOVER_COMMAND,
                PodRuntime.processes(),
                set -> set.tls(true).credentials(Credentials.password(PODS_SECRET)),
                sentinels -> sentinels.requirePass(SENTINELS_SECRET),
                sentinels -> {},
                (set, options) -> options.redisUri(RedisURI.builder()
                                .withHost(set.serviceDnsName())
                                .withSsl(true)
                                .withVerifyPeer(SslVerifyMode.FULL)
                                .withPassword(PODS_SECRET.toCharArray())
                                .build())
                        .clientOptions(ClientOptions.builder()
                                .sslOptions(SslOptions.builder()
                                        .trustManager(set.caCertificate().toFile())
                                        .build())
                                .build())
                        .probeInterval(Duration.ofSeconds(30))
                        .sentinelCredentials(null, SENTINELS_SECRET))) {
            Sentinels sentinels = run.sentinels;
            SyncLedgerWriter sync = run.writer(c -> new SyncLedgerWriter("sync", c, 500));
            PipelinedLedgerWriter stream = run.writer(c -> PipelinedLedgerWriter.stream("stream", c));
            SentinelEventsIT.awaitListening(sentinels, "Mooring listens to every Sentinel's events over TLS");

            FailoverRun.Result result = run.disruptAndRecover();

            SentinelEventsIT.assertLostAtMostWhatWasInFlight("SENTINEL FAILOVER over TLS", result, sync, stream);
            SentinelEventsIT.assertMovedBySentinel(run, result);
            assertThat(run.mooring.events.toString())
                    .doesNotContain(PODS_SECRET)
                    .doesNotContain(SENTINELS_SECRET);
        }
    }
}
