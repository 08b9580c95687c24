package io.github.mooring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Explains a {@link MooringConfigurationConflictException}: what contradicts Mooring, and the ways out. */
class MooringConfigurationConflictFailureAnalyzer
        extends AbstractFailureAnalyzer<MooringConfigurationConflictException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MooringConfigurationConflictException cause) {
        return new FailureAnalysis("Mooring cannot start: " + cause.description(), cause.action(), cause);
    }
}
