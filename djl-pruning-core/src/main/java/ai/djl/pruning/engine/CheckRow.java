package ai.djl.pruning.engine;

import com.google.common.base.Preconditions;

/**
 * One line of an {@link EngineCheckResult}: an operation on one shape, the largest error of the engine's
 * float32 result against the float64 reference (relative to the reference's largest magnitude), and
 * whether that is within tolerance. A NaN or infinite result counts as an infinite error.
 *
 * @param op the operation and output checked, e.g. {@code conv2d input-grad}
 * @param shape the shape and settings, e.g. {@code n4 13→5 8×8 k3 s1 p1 g1}
 * @param maxRelativeError max |engine − reference| / max |reference|
 * @param tolerance the largest error accepted
 */
public record CheckRow(String op, String shape, double maxRelativeError, double tolerance) {

    /** Checks the fields. */
    public CheckRow {
        Preconditions.checkNotNull(op, "op");
        Preconditions.checkNotNull(shape, "shape");
        Preconditions.checkArgument(tolerance > 0, "tolerance must be positive, got %s", tolerance);
    }

    /** @return true when the error is within tolerance (false for NaN) */
    public boolean passed() {
        return maxRelativeError <= tolerance;
    }

    @Override
    public String toString() {
        return String.format("%-22s %-32s %10.2e  %s", op, shape, maxRelativeError, passed() ? "ok" : "WRONG");
    }
}
