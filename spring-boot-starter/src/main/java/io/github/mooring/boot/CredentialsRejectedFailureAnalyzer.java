package io.github.mooring.boot;

import io.github.mooring.exceptions.CredentialsRejectedException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains why the application could not start because the pods refused its Redis credentials: which pod, which
 * user, and which properties to change. Never prints the secret (the exception holds none).
 */
class CredentialsRejectedFailureAnalyzer extends AbstractFailureAnalyzer<CredentialsRejectedException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, CredentialsRejectedException cause) {
        return new FailureAnalysis(
                "Mooring could not authenticate to the Redis pods while the application started: " + cause.getMessage(),
                "Set spring.data.redis.username and spring.data.redis.password (or the application's"
                        + " RedisCredentialsProvider) to the pods' current credentials for user '" + cause.user()
                        + "'. Mooring probes the pods with the same credentials as the application's connections.",
                cause);
    }
}
