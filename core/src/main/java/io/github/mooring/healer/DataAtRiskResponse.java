package io.github.mooring.healer;

import io.github.mooring.topology.DataAtRisk;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What writers get while data is at risk: a pure function of the risk, whether anything may repair it (then the
 * master is withheld), what the {@link DataAtRiskPolicy} already let through, the policy, its bound and how long the
 * master has been withheld. The rules, in order:
 * <ol>
 *   <li>{@link Rule#NO_RISK}: nothing to protect; writes go to the master;</li>
 *   <li>{@link Rule#WRITES_LET_THROUGH}: the policy already let writes through to this master: they go on (the
 *       healer never promotes over them, {@link Diagnosis});</li>
 *   <li>{@link Rule#NOTHING_WILL_REPAIR}: report mode without Sentinels: the master was never withheld, writes go to
 *       it (what report mode documents);</li>
 *   <li>{@link Rule#WITHIN_BOUND}: the master is withheld for less than the bound: writes wait for the repair;</li>
 *   <li>{@link Rule#BOUND_PASSED}: no repair within the bound: the policy decides, writes fail at once or go to the
 *       empty master.</li>
 * </ol>
 */
final class DataAtRiskResponse {

    private DataAtRiskResponse() {}

    /** What writers get. */
    enum Action {
        /** Writes go to the master the election chose. */
        WRITE,
        /** The master is withheld: writes wait for the repair. */
        WAIT,
        /** The master stays withheld and writes fail at once with a {@code DataAtRiskException}. */
        REFUSE_WRITES,
        /** The policy lets writes through to the empty master (from now on, for this risk). */
        LET_THROUGH
    }

    enum Rule {
        NO_RISK,
        WRITES_LET_THROUGH,
        NOTHING_WILL_REPAIR,
        WITHIN_BOUND,
        BOUND_PASSED
    }

    record Decision(Rule rule, Action action) {}

    /**
     * @param risk the topology's data at risk, if any
     * @param repairMayCome whether the healer repairs (repair mode) or Sentinel promotes: then the master is withheld
     * @param letThrough whether the policy already let writes through to this risk's master
     * @param withheldFor how long this risk's master has been withheld
     */
    static Decision decide(
            Optional<DataAtRisk> risk,
            boolean repairMayCome,
            boolean letThrough,
            DataAtRiskPolicy policy,
            Duration bound,
            Duration withheldFor) {
        Objects.requireNonNull(policy, "policy");
        if (risk.isEmpty()) {
            return new Decision(Rule.NO_RISK, Action.WRITE);
        }
        if (letThrough) {
            return new Decision(Rule.WRITES_LET_THROUGH, Action.LET_THROUGH);
        }
        if (!repairMayCome) {
            return new Decision(Rule.NOTHING_WILL_REPAIR, Action.WRITE);
        }
        if (withheldFor.compareTo(bound) < 0) {
            return new Decision(Rule.WITHIN_BOUND, Action.WAIT);
        }
        return new Decision(
                Rule.BOUND_PASSED, policy == DataAtRiskPolicy.FAIL_WRITES ? Action.REFUSE_WRITES : Action.LET_THROUGH);
    }
}
