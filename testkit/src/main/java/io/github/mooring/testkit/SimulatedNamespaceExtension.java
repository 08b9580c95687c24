package io.github.mooring.testkit;

import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a JUnit Jupiter test a fresh {@link SimulatedNamespace} and guarantees that every process it started is
 * gone afterwards, whether the test passed, failed or was aborted.
 *
 * <pre>{@code
 * @ExtendWith(SimulatedNamespaceExtension.class)
 * class FailoverIT {
 *     @Test
 *     void survivesReplacement(SimulatedNamespace ns) {
 *         RedisStatefulSet redis = ns.redis("redis").start();
 *         ...
 *     }
 * }
 * }</pre>
 * A namespace asked for in a test method (or {@code @BeforeEach}) lives for that test; one asked for in a static
 * {@code @BeforeAll} method is shared by the class. When a test fails, the namespace's state and the tail of each
 * pod's log are printed and its work directory is kept. For settings, register an instance:
 * {@code @RegisterExtension static SimulatedNamespaceExtension kit = new SimulatedNamespaceExtension(b -> b.dnsTtl(...));}
 */
public final class SimulatedNamespaceExtension implements ParameterResolver, AfterTestExecutionCallback {

    private static final ExtensionContext.Namespace STORE =
            ExtensionContext.Namespace.create(SimulatedNamespaceExtension.class);
    private static final String KEY = "namespace";

    private final Consumer<SimulatedNamespace.Builder> settings;

    /** Default settings. */
    public SimulatedNamespaceExtension() {
        this(builder -> {});
    }

    /** Applies {@code settings} to every namespace this extension creates. */
    public SimulatedNamespaceExtension(Consumer<SimulatedNamespace.Builder> settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == SimulatedNamespace.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return extensionContext
                .getStore(STORE)
                .computeIfAbsent(KEY, key -> new Holder(create()), Holder.class)
                .namespace;
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        if (context.getExecutionException().isEmpty()) {
            return;
        }
        Holder holder = context.getStore(STORE).get(KEY, Holder.class);
        if (holder == null) {
            return;
        }
        SimulatedNamespace ns = holder.namespace;
        ns.keepWorkDir();
        StringBuilder report =
                new StringBuilder("\n=== " + context.getDisplayName() + " failed; simulated namespace:\n");
        try {
            report.append(ns.describe());
        } catch (RuntimeException e) {
            report.append("  (cannot describe: ").append(e).append(")\n");
        }
        for (RedisStatefulSet set : ns.statefulSets()) {
            for (RedisPod pod : set.pods()) {
                report.append("--- ")
                        .append(pod.name())
                        .append(" log (")
                        .append(pod.logFile())
                        .append(")\n")
                        .append(RedisProcess.tail(pod.logFile(), 15))
                        .append('\n');
            }
        }
        report.append("=== work directory kept: ").append(ns.workDir()).append('\n');
        System.err.print(report);
    }

    private SimulatedNamespace create() {
        SimulatedNamespace.Builder builder = SimulatedNamespace.builder();
        settings.accept(builder);
        return builder.start();
    }

    /** Closes the namespace when JUnit closes the store of the test (or class) that created it. */
    private static final class Holder implements AutoCloseable {
        private final SimulatedNamespace namespace;

        Holder(SimulatedNamespace namespace) {
            this.namespace = namespace;
        }

        @Override
        public void close() {
            namespace.close();
        }
    }
}
