package ai.djl.pruning.training;

import ai.djl.pruning.structured.ChannelPruningPlan;
import com.google.common.base.Preconditions;
import java.util.Locale;

/**
 * The network-slimming decision: the global threshold on the channels' BatchNorm scales and the channel
 * plan it gives. Channels whose |γ| (mean over the coupled BatchNorms of the channel) is at most the
 * threshold are removed, except where a layer would lose its last channel.
 *
 * @param threshold the global |γ| threshold
 * @param removed channels removed
 * @param prunable channels that could be removed (not touching the network's input or output)
 * @param macsBefore MACs of the trained network (conv and linear)
 * @param macsAfter MACs after pruning
 * @param target what the threshold was chosen for, e.g. {@code MACs <= 0.50} or {@code ratio 0.30}
 * @param channels the channel plan to apply
 */
public record SlimmingPlan(double threshold, int removed, int prunable, long macsBefore, long macsAfter,
        String target, ChannelPruningPlan channels) {

    /** Checks the counts. */
    public SlimmingPlan {
        Preconditions.checkNotNull(channels, "channels");
        Preconditions.checkArgument(removed >= 0 && removed <= prunable, "removed %s of %s channels", removed, prunable);
    }

    /** @return MACs after / before */
    public double macFraction() {
        return (double) macsAfter / macsBefore;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SlimmingPlan(target %s: |γ| threshold %.6g removes %d of %d prunable channels,"
                + " MACs %.2f M → %.2f M (%.3f))%n%s", target, threshold, removed, prunable, macsBefore / 1e6,
                macsAfter / 1e6, macFraction(), channels);
    }
}
