package ai.djl.pruning.engine;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What {@link EngineCheck} found: one {@link CheckRow} per operation, output and shape. Printing it gives
 * the table; {@link #summary()} gives one line.
 *
 * @param rows every row, in the order checked
 */
public record EngineCheckResult(List<CheckRow> rows) {

    /** Copies the rows. */
    public EngineCheckResult {
        rows = ImmutableList.copyOf(rows);
    }

    /** @return true when every row passed */
    public boolean passed() {
        return rows.stream().allMatch(CheckRow::passed);
    }

    /** @return the rows that failed */
    public List<CheckRow> failures() {
        return rows.stream().filter(r -> !r.passed()).collect(ImmutableList.toImmutableList());
    }

    /**
     * @return e.g. {@code 58 of 58 checks correct} or {@code 12 of 58 checks wrong, first: conv2d forward n4
     *     13→5 8×8 k3 s1 p1 g1 (error 3.1e-01)}
     */
    public String summary() {
        List<CheckRow> bad = failures();
        if (bad.isEmpty()) {
            return rows.size() + " of " + rows.size() + " checks correct";
        }
        CheckRow first = bad.get(0);
        return String.format("%d of %d checks wrong, first: %s %s (error %.1e)", bad.size(), rows.size(),
                first.op(), first.shape(), first.maxRelativeError());
    }

    @Override
    public String toString() {
        String header = String.format("%-22s %-32s %10s  %s", "operation", "shape", "max rel err", "verdict");
        return header + "\n" + rows.stream().map(CheckRow::toString).collect(Collectors.joining("\n")) + "\n"
                + summary();
    }
}
