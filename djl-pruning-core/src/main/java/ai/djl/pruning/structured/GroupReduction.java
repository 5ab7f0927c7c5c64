package ai.djl.pruning.structured;

/** How a {@link GroupImportance} combines the scores that the layers of a group give one channel. */
public enum GroupReduction {
    /** The sum over the layers that score the channel. */
    SUM,
    /** The mean over the layers that score the channel. */
    MEAN,
    /** The largest score any layer gives the channel. */
    MAX
}
