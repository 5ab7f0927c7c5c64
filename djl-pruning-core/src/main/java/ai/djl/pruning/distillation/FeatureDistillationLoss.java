package ai.djl.pruning.distillation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import com.google.common.base.Preconditions;

/**
 * Heo et al. (2019) partial L2 distance between transformed student features s and margin-ReLU teacher
 * features t: {@code (s − t)²} summed over every position except where {@code s ≤ t ≤ 0} (the student is
 * already below a teacher that the ReLU would zero anyway), divided by the batch size, times a weight.
 *
 * <p>Predictions are {@link DistillationBlock}'s {@code [student logits, teacher logits, s_1, t_1, s_2,
 * t_2, ...]}; labels are ignored.
 */
public class FeatureDistillationLoss extends Loss {

    private final float weight;

    /**
     * @param weight factor of the summed distance per sample (Heo et al. use 1e-3 for CIFAR)
     */
    public FeatureDistillationLoss(float weight) {
        super("FeatureLoss");
        Preconditions.checkArgument(weight > 0, "feature loss weight must be positive, got %s", weight);
        this.weight = weight;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        Preconditions.checkArgument(predictions.size() >= 4 && predictions.size() % 2 == 0,
                "feature distillation needs [student, teacher, s1, t1, ...], got %s arrays", predictions.size());
        NDArray total = null;
        for (int i = 2; i < predictions.size(); i += 2) {
            NDArray d = partialL2(predictions.get(i), predictions.get(i + 1));
            total = total == null ? d : total.add(d);
        }
        return total.div(predictions.get(0).getShape().get(0)).mul(weight);
    }

    /**
     * The summed partial L2 distance of one feature pair.
     *
     * @param s transformed student feature
     * @param t transformed teacher feature, same shape
     * @return a scalar
     */
    public static NDArray partialL2(NDArray s, NDArray t) {
        Preconditions.checkArgument(s.getShape().equals(t.getShape()),
                "student feature %s and teacher feature %s differ in shape", s.getShape(), t.getShape());
        NDArray keep = s.gt(t).logicalOr(t.gt(0)).toType(s.getDataType(), false);
        return s.sub(t).square().mul(keep).sum();
    }
}
