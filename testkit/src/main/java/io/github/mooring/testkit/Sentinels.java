package io.github.mooring.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Real Redis Sentinels ({@code redis-server --sentinel}) monitoring a {@link RedisStatefulSet}, each on its own
 * loopback IP and port 26379, of the set's primary IP family: an IPv6 set gets IPv6 Sentinels, as its pods would have.
 * (Redis 6.2's Sentinel binds its connections to the pods to its own first {@code bind} address, so a Sentinel on an
 * IPv4 address never reaches an IPv6 pod; Redis 7.0 no longer binds them, which hid it.) The monitored master's name
 * is the set's name. Where the set uses TLS, so do the Sentinels, only ({@code tls-port 26379}, {@code port 0}), with
 * the set's certificate, and to the pods.
 */
public final class Sentinels {

    /** The Sentinel port. */
    public static final int PORT = 26379;

    private final RedisStatefulSet set;
    private final String masterName;
    private final Duration downAfter;
    private final Duration failoverTimeout;
    private final int quorum;
    private final List<String> ips = new ArrayList<>();
    /** The set's primary family: the pods' first IP, the one Sentinel monitors, is of it. */
    private final IpFamily family;
    /** Every IP given to a Sentinel, released at close (IPv6 ones were added to {@code lo}). */
    private final List<String> allocatedIps = new ArrayList<>();

    private final List<RedisProcess> processes = new ArrayList<>();
    private final Path workDir;
    private final String requirePass;
    /** The clients' ACL user and its rules ({@link Builder#aclUser}), or null. */
    private final Credentials aclUser;

    private final String aclRules;
    /** With an ACL user: the user the Sentinels authenticate to one another as, and the testkit's own. */
    private final Credentials admin;

    private final Resp.Access access;
    private final SimulatedNamespace namespace;
    /** Per Sentinel, the address it announces; the same as its own unless {@link Builder#announceUnreachable()}. */
    private final List<String> announcedIps = new ArrayList<>();

    private final boolean announceUnreachable;
    private int replacements;
    /** The Service the Sentinels are published as, or null. */
    private String service;

    private ApiObjects serviceObjects;

    private Sentinels(Builder builder) {
        this.namespace = builder.namespace;
        this.announceUnreachable = builder.announceUnreachable;
        this.set = builder.set;
        this.masterName = builder.set.name();
        this.downAfter = builder.downAfter;
        this.failoverTimeout = builder.failoverTimeout;
        this.quorum = builder.quorum;
        this.workDir = builder.namespace.workDir().resolve(set.name() + "-sentinels");
        this.requirePass = builder.requirePass;
        this.family = set.ipFamilies().get(0);
        this.aclUser = builder.aclUser;
        this.aclRules = builder.aclRules;
        this.admin = aclUser == null ? null : Credentials.aclUser("sentinel-admin", "admin-" + UUID.randomUUID());
        Credentials own = admin != null ? admin : requirePass != null ? Credentials.password(requirePass) : null;
        this.access = new Resp.Access(own, set.tls() == null ? null : set.tls().sslContext());
        for (int i = 0; i < builder.count; i++) {
            String ip = allocate();
            ips.add(ip);
            // A fresh loopback address where nothing listens: what Sentinel announces from behind NAT.
            announcedIps.add(builder.announceUnreachable ? allocate() : ip);
        }
    }

    private void start() {
        RedisPod master = set.master()
                .orElseThrow(() -> new IllegalStateException(
                        "Sentinels need exactly one master in " + set.name() + ", found " + set.masters()));
        for (int i = 0; i < ips.size(); i++) {
            processes.add(startOne(i, workDir.resolve("sentinel-" + i), hostOf(master)));
        }
    }

    /** How the Sentinels name {@code pod}: its DNS name where the set announces host names, else its IP. */
    private String hostOf(RedisPod pod) {
        return set.announcesHostnames() ? set.podDnsName(set.pods().indexOf(pod)) : pod.ip();
    }

    /** Starts Sentinel {@code index} in {@code dir}, monitoring the master at {@code masterHost} (an IP or a name). */
    private RedisProcess startOne(int index, Path dir, String masterHost) {
        String ip = ips.get(index);
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve("sentinel.conf");
            TlsMaterial tls = set.tls();
            List<String> lines = new ArrayList<>(List.of(
                    "bind " + ip,
                    tls == null ? "port " + PORT : "port 0",
                    "protected-mode no",
                    "daemonize no",
                    "dir " + dir.toAbsolutePath(),
                    "sentinel announce-ip " + announcedIps.get(index),
                    "sentinel monitor " + masterName + " " + masterHost + " " + set.port() + " " + quorum,
                    "sentinel down-after-milliseconds " + masterName + " " + downAfter.toMillis(),
                    "sentinel failover-timeout " + masterName + " " + failoverTimeout.toMillis(),
                    "sentinel parallel-syncs " + masterName + " 1"));
            Credentials credentials = set.credentials();
            if (credentials != null) {
                if (credentials.user() != null) {
                    lines.add("sentinel auth-user " + masterName + " " + credentials.user());
                }
                lines.add("sentinel auth-pass " + masterName + " " + credentials.password());
            }
            if (requirePass != null) {
                // Clients must authenticate, and so must the Sentinels among themselves (Redis 6.2+).
                lines.add("requirepass " + requirePass);
                lines.add("sentinel sentinel-pass " + requirePass);
            }
            if (aclUser != null) {
                // No default user: clients log in as the ACL user; the Sentinels as an admin user among themselves.
                lines.add("user default off");
                lines.add("user " + aclUser.user() + " on >" + aclUser.password() + " " + aclRules);
                lines.add("user " + admin.user() + " on >" + admin.password() + " ~* &* +@all");
                lines.add("sentinel sentinel-user " + admin.user());
                lines.add("sentinel sentinel-pass " + admin.password());
            }
            if (set.announcesHostnames()) {
                // Pods announce their DNS names: the Sentinels resolve them, and name pods by them in hellos and
                // events.
                lines.add("sentinel resolve-hostnames yes");
                lines.add("sentinel announce-hostnames yes");
            }
            if (tls != null) {
                // TLS only, with the pods' certificate (a sidecar in the pod shares its Secret), to the pods as well.
                lines.addAll(List.of(
                        "tls-port " + PORT,
                        "tls-cert-file " + tls.certificate().toAbsolutePath(),
                        "tls-key-file " + tls.privateKey().toAbsolutePath(),
                        "tls-ca-cert-file " + tls.caCertificate().toAbsolutePath(),
                        "tls-auth-clients no",
                        "tls-replication yes"));
            }
            Files.write(config, lines);
            return RedisProcess.start(
                    set.podHosts(), config, ip, PORT, dir.resolve("sentinel.log"), access, "--sentinel");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
    }

    /**
     * Replaces Sentinel {@code index} as Kubernetes replaces a pod: the process is killed and a new Sentinel, with a
     * new IP (and, with {@link Builder#announceUnreachable()}, a new unreachable announced address), starts monitoring
     * the master the Sentinels name now; a Service {@link #publishService published} lists the new IP instead of the
     * old one. Returns the new address.
     */
    public String replace(int index) {
        String master = masterAddress()
                .orElseThrow(() -> new IllegalStateException("no Sentinel names a master of " + masterName));
        processes.get(index).kill();
        String ip = allocate();
        ips.set(index, ip);
        announcedIps.set(index, announceUnreachable ? allocate() : ip);
        replacements++;
        RedisPod masterPod = set.pods().stream()
                .filter(pod -> master.equals(pod.address()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("the Sentinels name " + master + ", no pod of " + set));
        processes.set(
                index, startOne(index, workDir.resolve("sentinel-" + index + "-" + replacements), hostOf(masterPod)));
        if (service != null) {
            publishEndpoints();
        }
        return LoopbackAddresses.hostPort(ip, PORT);
    }

    private String allocate() {
        String ip = LoopbackAddresses.allocate(family, PORT);
        allocatedIps.add(ip);
        return ip;
    }

    /**
     * SIGSTOP to Sentinel {@code index}: it keeps its sockets open but answers, publishes and does nothing (a failover
     * it leads stands still) until {@link #thaw}. Keep it short: a Sentinel whose timer was held for more than 2 s
     * enters TILT mode and acts on nothing for 30 s.
     */
    public void freeze(int index) {
        processes.get(index).freeze();
    }

    /** SIGCONT to Sentinel {@code index}. */
    public void thaw(int index) {
        processes.get(index).thaw();
    }

    /** The master name Sentinels monitor (the StatefulSet's name). */
    public String masterName() {
        return masterName;
    }

    /** {@code ip:26379} of every Sentinel (an IPv6 address in brackets). */
    public List<String> addresses() {
        return ips.stream().map(ip -> LoopbackAddresses.hostPort(ip, PORT)).toList();
    }

    /** The addresses the Sentinels announce in their hello messages ({@code ip:26379}). */
    public List<String> announcedAddresses() {
        return announcedIps.stream()
                .map(ip -> LoopbackAddresses.hostPort(ip, PORT))
                .toList();
    }

    /**
     * Publishes the Sentinels as a headless Service of their own, as charts and operators that run Sentinels in a
     * Deployment or StatefulSet do: a Service named {@code service} with a port named {@code sentinel} (26379), its
     * EndpointSlice and Endpoints in the API server (every Sentinel ready, as pods {@code <service>-<i>}), and its
     * records in cluster DNS. Call once.
     */
    public Sentinels publishService(String service) {
        if (this.service != null) {
            throw new IllegalStateException("the Sentinels are published as " + this.service + " already");
        }
        this.service = service;
        this.serviceObjects =
                new ApiObjects(namespace.api().controllerClient(), namespace.name(), service, "sentinel", PORT);
        serviceObjects.createService();
        publishEndpoints();
        return this;
    }

    private void publishEndpoints() {
        List<EndpointState> states = new ArrayList<>();
        Map<String, List<String>> readyIps = new LinkedHashMap<>();
        for (int i = 0; i < ips.size(); i++) {
            String pod = service + "-" + i;
            String uid = pod + "-" + ips.get(i); // a replaced pod is a new pod
            states.add(new EndpointState(pod, ips.get(i), uid, true, true, false));
            readyIps.put(pod, List.of(ips.get(i)));
        }
        serviceObjects.publishEndpoints(List.of(family), List.of(states));
        namespace.dns().publish(service, namespace.name(), "sentinel", PORT, readyIps);
    }

    /** The Sentinels' IPs. */
    public List<String> ips() {
        return List.copyOf(ips);
    }

    public Duration downAfter() {
        return downAfter;
    }

    /**
     * {@code SENTINEL GET-MASTER-ADDR-BY-NAME} from the first Sentinel that answers, as {@code ip:port} (an IPv6
     * address in brackets, as {@link RedisPod#address()}); a pod's DNS name the Sentinels answer with (host names
     * announced) is given as that pod's address.
     */
    public Optional<String> masterAddress() {
        for (String ip : ips) {
            try {
                Object reply = Resp.once(
                        ip, PORT, Duration.ofSeconds(2), access, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName);
                if (reply instanceof List<?> list && list.size() == 2) {
                    String host = podIp(String.valueOf(list.get(0)));
                    return Optional.of(LoopbackAddresses.hostPort(host, Integer.parseInt(String.valueOf(list.get(1)))));
                }
            } catch (IOException e) {
                // try the next one
            }
        }
        return Optional.empty();
    }

    /** The IP of the pod whose DNS name {@code host} is, or {@code host} as it is. */
    private String podIp(String host) {
        for (int i = 0; i < set.pods().size(); i++) {
            if (set.podDnsName(i).equals(host)) {
                String ip = set.pods().get(i).ip();
                return ip != null ? ip : host;
            }
        }
        return host;
    }

    /** {@code SENTINEL FAILOVER <name>}: a planned failover, as an operator triggers it. */
    public void failover() {
        Object reply = command(0, "SENTINEL", "FAILOVER", masterName);
        if (!"OK".equals(reply)) {
            throw new IllegalStateException("SENTINEL FAILOVER " + masterName + " failed: " + reply);
        }
    }

    /** Sends a command to Sentinel {@code index}; error replies come back as Strings. */
    public Object command(int index, String... command) {
        try {
            Object reply = Resp.once(ips.get(index), PORT, Duration.ofSeconds(5), access, command);
            return reply instanceof Resp.Error error ? error.message() : reply;
        } catch (IOException e) {
            throw new UncheckedIOException("Sentinel " + ips.get(index) + " did not answer", e);
        }
    }

    /** Waits until the Sentinels report {@code ip} as the master's address. */
    public void awaitMaster(String ip, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String host = (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":";
        while (!masterAddress().map(a -> a.startsWith(host)).orElse(false)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Sentinels did not report " + ip + " as master within " + timeout
                        + " (they report " + masterAddress().orElse("nothing") + ")");
            }
            RedisProcess.pause(Duration.ofMillis(20));
        }
    }

    /**
     * Waits until the Sentinels are ready to fail over: each one knows every replica of the set and every other
     * Sentinel, and is subscribed to {@code __sentinel__:hello} on every pod (what a pod shows of being monitored).
     */
    public void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String missing;
        while ((missing = notReady()) != null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Sentinels of " + set.name() + " not ready within " + timeout + ": " + missing);
            }
            RedisProcess.pause(Duration.ofMillis(50));
        }
    }

    /** What keeps the Sentinels from being ready, or null when nothing does. */
    private String notReady() {
        int replicas = set.pods().size() - 1;
        for (int i = 0; i < ips.size(); i++) {
            if (size(command(i, "SENTINEL", "REPLICAS", masterName)) < replicas) {
                return "Sentinel " + ips.get(i) + " does not know all " + replicas + " replicas yet";
            }
            if (size(command(i, "SENTINEL", "SENTINELS", masterName)) < ips.size() - 1) {
                return "Sentinel " + ips.get(i) + " does not know the other Sentinels yet";
            }
        }
        for (RedisPod pod : set.pods()) {
            Object reply = pod.command("PUBSUB", "NUMSUB", "__sentinel__:hello");
            long subscribed =
                    reply instanceof List<?> list && list.size() == 2 && list.get(1) instanceof Long count ? count : 0;
            if (subscribed < ips.size()) {
                return pod.name() + " is monitored by " + subscribed + " of " + ips.size() + " Sentinels";
            }
        }
        return null;
    }

    private static int size(Object reply) {
        return reply instanceof List<?> list ? list.size() : 0;
    }

    List<Long> pids() {
        return processes.stream()
                .filter(RedisProcess::isAlive)
                .map(RedisProcess::pid)
                .toList();
    }

    void close() {
        for (RedisProcess process : processes) {
            process.kill();
        }
        allocatedIps.forEach(LoopbackAddresses::release);
    }

    /** Builds and starts {@link Sentinels}. */
    public static final class Builder {
        private final SimulatedNamespace namespace;
        private final RedisStatefulSet set;
        private int count = 3;
        private int quorum = 2;
        private Duration downAfter = Duration.ofSeconds(5);
        private Duration failoverTimeout = Duration.ofSeconds(10);
        private String requirePass;
        private Credentials aclUser;
        private String aclRules;
        private boolean announceUnreachable;

        Builder(SimulatedNamespace namespace, RedisStatefulSet set) {
            this.namespace = namespace;
            this.set = set;
        }

        /** How many Sentinels (default 3). */
        public Builder count(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("count must be at least 1, was " + count);
            }
            this.count = count;
            return this;
        }

        /** Sentinels that must agree the master is down (default 2). */
        public Builder quorum(int quorum) {
            if (quorum < 1) {
                throw new IllegalArgumentException("quorum must be at least 1, was " + quorum);
            }
            this.quorum = quorum;
            return this;
        }

        /** {@code down-after-milliseconds} (default 5 s). */
        public Builder downAfter(Duration downAfter) {
            if (downAfter == null || downAfter.toMillis() < 1) {
                throw new IllegalArgumentException("down-after must be at least 1 ms, was " + downAfter);
            }
            this.downAfter = downAfter;
            return this;
        }

        /** {@code failover-timeout} (default 10 s; Redis's own default is 3 minutes). */
        public Builder failoverTimeout(Duration failoverTimeout) {
            if (failoverTimeout == null || failoverTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("failover timeout must be at least 1 ms, was " + failoverTimeout);
            }
            this.failoverTimeout = failoverTimeout;
            return this;
        }

        /**
         * The Sentinels' own password ({@code requirepass}, and {@code sentinel sentinel-pass} between them): clients
         * must authenticate to subscribe to their events. Default none. The pods' credentials are the set's.
         */
        public Builder requirePass(String password) {
            if (password == null || password.isBlank()) {
                throw new IllegalArgumentException("requirePass must not be blank");
            }
            if (aclUser != null) {
                throw new IllegalStateException("requirePass and aclUser exclude each other");
            }
            this.requirePass = password;
            return this;
        }

        /**
         * An ACL user ({@code user <name> on >password <rules>}) for clients, the default user disabled; the Sentinels
         * authenticate to one another ({@code sentinel sentinel-user}) as an admin user of their own, which the
         * testkit's commands use too. The pods' credentials are the set's.
         */
        public Builder aclUser(Credentials user, String rules) {
            if (user == null || user.user() == null) {
                throw new IllegalArgumentException("aclUser needs a user name: Credentials.aclUser(name, password)");
            }
            if (rules == null || rules.isBlank()) {
                throw new IllegalArgumentException("aclUser needs ACL rules, such as \"~* &* +@all\"");
            }
            if (requirePass != null) {
                throw new IllegalStateException("requirePass and aclUser exclude each other");
            }
            this.aclUser = user;
            this.aclRules = rules;
            return this;
        }

        /**
         * Each Sentinel announces ({@code sentinel announce-ip}) a loopback address where nothing listens, as a
         * Sentinel behind NAT or a Service announces one clients cannot reach: the hello messages on the pods then
         * name no reachable Sentinel. The Sentinels cannot reach one another either, so a failover must be forced
         * ({@link #failover()}: {@code SENTINEL FAILOVER} asks no other Sentinel); the others learn its outcome from
         * the pods' hello channel.
         */
        public Builder announceUnreachable() {
            this.announceUnreachable = true;
            return this;
        }

        /** Starts the Sentinels; returns once each answers. */
        public Sentinels start() {
            if (quorum > count) {
                throw new IllegalArgumentException("quorum " + quorum + " exceeds the number of Sentinels " + count);
            }
            Sentinels sentinels = new Sentinels(this);
            namespace.register(sentinels);
            sentinels.start();
            return sentinels;
        }
    }
}
