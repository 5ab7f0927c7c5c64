package ai.djl.pruning.distillation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;
import com.google.common.base.Preconditions;

/**
 * Hinton et al. (2015) knowledge distillation: {@code α·T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) + (1 − α)·CE(z_s, y)},
 * averaged over the batch, computed with log-softmax for stability. The T² keeps the soft term's gradient
 * scale independent of T.
 *
 * <p>Predictions are {@code [student logits, teacher logits, ...]} as {@link DistillationBlock} returns
 * them; labels are {@code [class indices]}.
 *
 * <pre>{@code
 * Loss loss = new KnowledgeDistillationLoss(4f, 0.9f);
 * }</pre>
 */
public class KnowledgeDistillationLoss extends Loss {

    private final float temperature;
    private final float alpha;

    /**
     * @param temperature softening temperature T > 0
     * @param alpha weight α ∈ [0, 1] of the distillation term (α = 0 is plain cross-entropy)
     */
    public KnowledgeDistillationLoss(float temperature, float alpha) {
        super("KDLoss");
        Preconditions.checkArgument(temperature > 0, "temperature must be positive, got %s", temperature);
        Preconditions.checkArgument(alpha >= 0 && alpha <= 1, "alpha must be in [0, 1], got %s", alpha);
        this.temperature = temperature;
        this.alpha = alpha;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        Preconditions.checkArgument(predictions.size() >= 2,
                "knowledge distillation needs [student logits, teacher logits], got %s arrays", predictions.size());
        NDArray student = predictions.get(0);
        NDArray teacher = predictions.get(1);
        Preconditions.checkArgument(student.getShape().equals(teacher.getShape()),
                "student logits %s and teacher logits %s differ in shape", student.getShape(), teacher.getShape());
        NDArray logStudent = student.div(temperature).logSoftmax(1);
        NDArray logTeacher = teacher.div(temperature).logSoftmax(1);
        NDArray kl = logTeacher.exp().mul(logTeacher.sub(logStudent)).sum(new int[] {1}).mean();
        NDArray oneHot = labels.head().toType(DataType.INT32, false).oneHot((int) student.getShape().get(1))
                .toType(student.getDataType(), false);
        NDArray ce = student.logSoftmax(1).mul(oneHot).sum(new int[] {1}).mean().neg();
        return kl.mul(alpha * temperature * temperature).add(ce.mul(1 - alpha));
    }

    /** @return the temperature */
    public float getTemperature() {
        return temperature;
    }

    /** @return the weight of the distillation term */
    public float getAlpha() {
        return alpha;
    }
}
