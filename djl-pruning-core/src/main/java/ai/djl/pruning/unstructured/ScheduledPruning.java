package ai.djl.pruning.unstructured;

import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListenerAdapter;
import com.google.common.base.Preconditions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A training listener that prunes along a {@link PruningSchedule}: at the start of training and after
 * every epoch it computes the scheduled sparsity of each tensor, prunes by magnitude (only survivors:
 * the new masks are combined with the held ones) and hands the masks to the {@link MaskedOptimizer},
 * which holds them until the next step.
 *
 * <pre>{@code
 * MaskedOptimizer masked = MaskedOptimizer.install(config, net, PruningMasks.of(Map.of()));
 * config.addTrainingListeners(new ScheduledPruning(net, finalPlan, PruningSchedule.agp(0, 4, 1), masked));
 * }</pre>
 */
public final class ScheduledPruning extends TrainingListenerAdapter {

    private final Block block;
    private final SparsityPlan finalPlan;
    private final PruningSchedule schedule;
    private final MaskedOptimizer optimizer;
    private final MagnitudePruner pruner = MagnitudePruner.builder().build();
    private IntConsumer onPrune = e -> { };
    private int epoch;

    /**
     * Creates the listener.
     *
     * @param block the trained block
     * @param finalPlan the sparsities reached at the end of the schedule
     * @param schedule the schedule
     * @param optimizer the installed masked optimizer
     */
    public ScheduledPruning(Block block, SparsityPlan finalPlan, PruningSchedule schedule, MaskedOptimizer optimizer) {
        this.block = Preconditions.checkNotNull(block, "block");
        this.finalPlan = Preconditions.checkNotNull(finalPlan, "finalPlan");
        this.schedule = Preconditions.checkNotNull(schedule, "schedule");
        this.optimizer = Preconditions.checkNotNull(optimizer, "optimizer");
    }

    /**
     * Sets a callback run after each pruning step with the epoch number.
     *
     * @param onPrune the callback
     * @return this listener
     */
    public ScheduledPruning optOnPrune(IntConsumer onPrune) {
        this.onPrune = Preconditions.checkNotNull(onPrune, "onPrune");
        return this;
    }

    /**
     * Sets the epochs already completed (a resumed run continues its schedule).
     *
     * @param epochs completed epochs
     * @return this listener
     */
    public ScheduledPruning optStartEpoch(int epochs) {
        Preconditions.checkArgument(epochs >= 0, "start epoch must be >= 0");
        this.epoch = epochs;
        return this;
    }

    /**
     * Returns the plan scheduled after some epochs.
     *
     * @param epochs epochs completed
     * @return the plan
     */
    public SparsityPlan planAt(int epochs) {
        double f = schedule.fraction(epochs);
        Preconditions.checkState(f >= 0 && f <= 1, "schedule fraction %s outside [0, 1]", f);
        Map<String, Double> plan = new LinkedHashMap<>();
        finalPlan.sparsities().forEach((path, s) -> plan.put(path, s * f));
        return SparsityPlan.of(plan);
    }

    /** Prunes to the schedule's sparsity for the current epoch count. */
    public void step() {
        PruningMasks next = pruner.masks(block, planAt(epoch));
        optimizer.setMasks(optimizer.getMasks().and(next));
        onPrune.accept(epoch);
    }

    @Override
    public void onTrainingBegin(Trainer trainer) {
        step();
    }

    @Override
    public void onEpoch(Trainer trainer) {
        epoch++;
        step();
    }
}
