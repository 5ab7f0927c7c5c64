package ai.djl.pruning.io;

import ai.djl.MalformedModelException;
import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * A checkpoint that cannot be read, or that does not fit the block it is loaded into.
 *
 * <p>Every problem found is listed, not only the first, so one run tells the user everything to fix.
 * When this is thrown by a loader, the block's parameters have not been changed.
 */
public class CheckpointException extends MalformedModelException {

    private static final long serialVersionUID = 1L;

    private final ImmutableList<String> problems;

    /**
     * Creates an exception for one problem.
     *
     * @param message what is wrong
     */
    public CheckpointException(String message) {
        this(message, ImmutableList.of(message), null);
    }

    /**
     * Creates an exception for one problem with its cause.
     *
     * @param message what is wrong
     * @param cause the underlying error
     */
    public CheckpointException(String message, Throwable cause) {
        this(message, ImmutableList.of(message), cause);
    }

    /**
     * Creates an exception listing several problems.
     *
     * @param headline a summary line
     * @param problems each problem on its own line
     */
    public CheckpointException(String headline, List<String> problems) {
        this(headline + ":\n  - " + String.join("\n  - ", problems), problems, null);
    }

    private CheckpointException(String message, List<String> problems, Throwable cause) {
        super(message, cause);
        this.problems = ImmutableList.copyOf(problems);
    }

    /** @return every problem found, one sentence each */
    public List<String> getProblems() {
        return problems;
    }
}
