package ai.djl.pruning.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The network-slimming training loss (Liu et al. 2017): a base loss plus λ·Σ|γ| over the scales γ of
 * chosen BatchNorm layers, so that training drives unimportant channels' scales towards zero. The
 * penalty's gradient on each chosen γ is λ·sign(γ).
 *
 * <pre>{@code
 * Loss loss = new SlimmingLoss(Loss.softmaxCrossEntropyLoss(), net, 1e-4f, path -> true);
 * DefaultTrainingConfig config = new DefaultTrainingConfig(loss) ...;
 * }</pre>
 *
 * <p>The penalty reads the parameters' own arrays, which is what a DJL trainer on one device trains;
 * its temporary arrays belong to the predictions' manager (the batch's), so they close with the batch.
 */
public final class SlimmingLoss extends Loss {

    private final Loss base;
    private final float lambda;
    private final ImmutableList<Parameter> gammas;
    private final ImmutableList<String> paths;

    /**
     * Wraps a loss.
     *
     * @param base the task loss
     * @param block the trained block
     * @param lambda the penalty's weight λ, at least 0
     * @param select which BatchNorm γ parameters (by DJL path, e.g. {@code 02bn1_gamma}) are penalised
     * @throws IllegalArgumentException if λ is negative or not finite, or the selection is empty
     */
    public SlimmingLoss(Loss base, Block block, float lambda, Predicate<String> select) {
        super("slimming(" + base.getName() + ")");
        Preconditions.checkArgument(lambda >= 0 && Float.isFinite(lambda),
                "slimming penalty λ must be finite and >= 0, got %s", lambda);
        this.base = Preconditions.checkNotNull(base, "base loss");
        this.lambda = lambda;
        List<Parameter> g = new ArrayList<>();
        List<String> p = new ArrayList<>();
        for (Pair<String, Parameter> param : block.getParameters()) {
            if (param.getValue().getType() == Parameter.Type.GAMMA && select.test(param.getKey())) {
                g.add(param.getValue());
                p.add(param.getKey());
            }
        }
        Preconditions.checkArgument(!g.isEmpty(), "no BatchNorm γ parameter selected for the slimming penalty");
        this.gammas = ImmutableList.copyOf(g);
        this.paths = ImmutableList.copyOf(p);
    }

    /** @return λ */
    public float lambda() {
        return lambda;
    }

    /** @return the DJL paths of the penalised γ parameters */
    public ImmutableList<String> penalised() {
        return paths;
    }

    /** @return the base loss */
    public Loss base() {
        return base;
    }

    /**
     * Computes λ·Σ|γ| with autograd history, its arrays owned by a manager.
     *
     * @param manager owns the result and the temporaries
     * @return a scalar
     */
    public NDArray penalty(NDManager manager) {
        NDArray total = null;
        for (Parameter p : gammas) {
            NDArray abs = p.getArray().abs();
            abs.attach(manager);
            NDArray sum = abs.sum();
            sum.attach(manager);
            total = total == null ? sum : total.add(sum);
        }
        return total.mul(lambda);
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray task = base.evaluate(labels, predictions);
        return task.add(penalty(task.getManager()));
    }
}
