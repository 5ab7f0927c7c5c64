package ai.djl.pruning.examples.train;

import ai.djl.training.tracker.Tracker;
import com.google.common.base.Preconditions;
import java.util.Locale;

/**
 * Learning rate as a function of the global step, with a step offset so that a resumed run continues
 * the schedule where the interrupted one stopped (DJL's optimizer counts updates from zero again).
 */
public final class LearningRateSchedule implements Tracker {

    /** Shape of the schedule. */
    public enum Kind {
        /** {@code lr · ½(1 + cos(π t / T))}. */
        COSINE,
        /** {@code lr · 0.1^k} after k of the milestones at 50% and 75% of the run. */
        STEP,
        /** Constant. */
        CONSTANT;

        /**
         * Parses a kind name.
         *
         * @param name cosine, step or constant
         * @return the kind
         */
        public static Kind of(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown schedule '" + name + "'; use cosine, step or constant", e);
            }
        }
    }

    private final Kind kind;
    private final float base;
    private final long totalSteps;
    private final long offset;

    /**
     * Creates a schedule.
     *
     * @param kind the shape
     * @param base the initial learning rate
     * @param totalSteps optimizer steps of the whole run
     * @param offset steps already taken before this optimizer was created
     */
    public LearningRateSchedule(Kind kind, float base, long totalSteps, long offset) {
        Preconditions.checkArgument(base > 0 && Float.isFinite(base), "learning rate must be positive, got %s", base);
        Preconditions.checkArgument(totalSteps > 0, "total steps must be positive");
        this.kind = kind;
        this.base = base;
        this.totalSteps = totalSteps;
        this.offset = offset;
    }

    /**
     * Returns the learning rate of a global step (0-based).
     *
     * @param step the global step
     * @return the learning rate
     */
    public float at(long step) {
        double t = Math.min(1.0, (double) step / totalSteps);
        switch (kind) {
            case COSINE:
                return (float) (base * 0.5 * (1 + Math.cos(Math.PI * t)));
            case STEP:
                return (float) (base * Math.pow(0.1, (t >= 0.5 ? 1 : 0) + (t >= 0.75 ? 1 : 0)));
            default:
                return base;
        }
    }

    @Override
    public float getNewValue(int numUpdate) {
        // DJL counts updates from 1.
        return at(offset + Math.max(0, numUpdate - 1));
    }
}
