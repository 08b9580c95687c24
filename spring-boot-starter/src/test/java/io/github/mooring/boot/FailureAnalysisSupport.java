package io.github.mooring.boot;

import java.util.List;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.env.Environment;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.ArgumentResolver;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;

/**
 * Runs every {@link FailureAnalyzer} registered in {@code META-INF/spring.factories} (Spring Boot's and Mooring's),
 * in the order Spring Boot's {@code FailureAnalyzers} runs them, and returns the first analysis: the text a user would
 * see when the application fails to start.
 */
final class FailureAnalysisSupport {

    private FailureAnalysisSupport() {}

    static FailureAnalysis analyze(Throwable failure, Environment environment) {
        // Analyzers that want a BeanFactory (none of Mooring's) are skipped: a failed context has none to offer.
        List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation()
                .load(
                        FailureAnalyzer.class,
                        ArgumentResolver.of(Environment.class, environment),
                        FailureHandler.handleMessage((message, e) -> {}));
        for (FailureAnalyzer analyzer : analyzers) {
            FailureAnalysis analysis = analyzer.analyze(failure);
            if (analysis != null) {
                return analysis;
            }
        }
        throw new AssertionError("no failure analyzer explains " + failure, failure);
    }

    /** The analysis as Spring Boot prints it. */
    static String text(FailureAnalysis analysis) {
        return "Description:\n\n" + analysis.getDescription() + "\n\nAction:\n\n" + analysis.getAction();
    }
}
