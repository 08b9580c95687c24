package io.github.mooring.examples;

import java.time.Duration;

import io.github.mooring.testkit.RedisPod;
import io.github.mooring.testkit.RedisStatefulSet;
import io.github.mooring.testkit.SimulatedNamespace;

/**
 * Starts a simulated namespace with a 3-pod Redis StatefulSet, prints its pods, roles and endpoints, replaces the
 * master pod the way Kubernetes does (new IP), and prints the result: the replicas still follow the old IP.
 */
public final class NamespaceTour {

    private NamespaceTour() {
    }

    public static void main(String[] args) {
        try (SimulatedNamespace ns = SimulatedNamespace.start()) {
            long start = System.nanoTime();
            RedisStatefulSet redis = ns.redis("redis").replicas(3).start();
            System.out.printf("3-pod namespace ready in %d ms%n%n", (System.nanoTime() - start) / 1_000_000);
            for (int i = 0; i < 100; i++) {
                redis.pod(0).command("SET", "order:" + i, "paid");
            }
            redis.pod(0).command("WAIT", "2", "5000"); // both replicas have the 100 keys
            System.out.println(ns.describe());

            String oldIp = redis.pod(0).ip();
            System.out.println("Deleting the master pod redis-0 (" + oldIp + "); the StatefulSet recreates it in 1 s...");
            redis.pod(0).replace(RedisPod.Deletion.KILL, Duration.ofSeconds(1));
            redis.pod(0).awaitReady(Duration.ofSeconds(30));
            System.out.println();
            System.out.println(ns.describe());
            System.out.println("redis-0 came back as " + redis.pod(0).ip() + ", an empty master; the replicas still follow "
                    + oldIp + " and hold the data nobody can write to.");
        }
    }
}
