package io.github.mooring.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** The namespace's hosts file: the machine's lines plus the pods', rewritten in place for the bind mounts. */
class PodHostsTest {

    @Test
    void keepsTheMachinesLinesAndFollowsAPodToItsNewIp(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("hosts");
        PodHosts hosts = new PodHosts(file);
        Object inode = Files.getAttribute(file, "unix:ino");
        hosts.put("redis-0.redis.ns.svc.cluster.local", "127.1.0.1");
        hosts.put("redis-0.redis.ns.svc.cluster.local", "127.1.0.9"); // replaced with a new IP

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).containsAll(Files.readAllLines(Path.of("/etc/hosts")));
        assertThat(lines)
                .contains("127.1.0.9 redis-0.redis.ns.svc.cluster.local")
                .doesNotContain("127.1.0.1 redis-0.redis.ns.svc.cluster.local");
        assertThat(Files.getAttribute(file, "unix:ino"))
                .as("rewritten in place")
                .isEqualTo(inode);
    }

    @Test
    void wrapsACommandInAPrivateMountNamespaceThatExecsIt(@TempDir Path dir) {
        PodHosts hosts = new PodHosts(dir.resolve("hosts"));
        assertThat(hosts.wrap(List.of("/usr/bin/redis-server", "redis.conf")))
                .startsWith("/usr/bin/unshare", "--mount", "/bin/sh", "-c")
                .endsWith(dir.resolve("hosts").toAbsolutePath().toString(), "/usr/bin/redis-server", "redis.conf")
                .anyMatch(argument -> argument.contains("exec \"$@\""));
    }

    @Test
    void aMachineWithoutPrivateHostsSkipsTheTestWithTheReasonOrFailsItWhereHostnamesAreRequired() {
        String before = System.getProperty(RedisStatefulSet.HOSTNAMES_REQUIRED_PROPERTY);
        try {
            System.setProperty(RedisStatefulSet.HOSTNAMES_REQUIRED_PROPERTY, "false");
            assertThatCode(() -> PodHosts.requireAvailable(null)).doesNotThrowAnyException();
            assertThatThrownBy(() -> PodHosts.requireAvailable("not Linux"))
                    .isInstanceOf(TestAbortedException.class)
                    .hasMessage("pods cannot announce host names here: not Linux");

            System.setProperty(RedisStatefulSet.HOSTNAMES_REQUIRED_PROPERTY, "true");
            assertThatCode(() -> PodHosts.requireAvailable(null)).doesNotThrowAnyException();
            assertThatThrownBy(() -> PodHosts.requireAvailable("a private mount namespace needs root"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("pods cannot announce host names here: a private mount namespace needs root")
                    .hasMessageContaining(RedisStatefulSet.HOSTNAMES_REQUIRED_PROPERTY + " is set");
        } finally {
            if (before == null) {
                System.clearProperty(RedisStatefulSet.HOSTNAMES_REQUIRED_PROPERTY);
            } else {
                System.setProperty(RedisStatefulSet.HOSTNAMES_REQUIRED_PROPERTY, before);
            }
        }
    }
}
