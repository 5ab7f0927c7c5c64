package ai.djl.pruning.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.google.common.base.Preconditions;
import java.util.Locale;

/**
 * A parameter-free function applied to every element (so channel c of the output is channel c of the
 * input): clip (ReLU6 is clip to [0, 6]), sigmoid, hard swish x·ReLU6(x + 3)/6 and hard sigmoid
 * max(0, min(1, αx + β)). These are what ONNX models use besides ReLU; a named block, unlike a DJL
 * lambda, is something the profiler, the pruner and the exporters can recognise.
 *
 * <pre>{@code
 * Block relu6 = Elementwise.clip(0, 6);
 * Block hswish = Elementwise.of(Elementwise.Kind.HARD_SWISH);
 * }</pre>
 */
public final class Elementwise extends AbstractBlock {

    /** The function. */
    public enum Kind {
        /** min(max(x, a), b). */
        CLIP,
        /** 1 / (1 + e^−x). */
        SIGMOID,
        /** x · min(max(x + 3, 0), 6) / 6. */
        HARD_SWISH,
        /** max(0, min(1, a·x + b)). */
        HARD_SIGMOID
    }

    private final Kind kind;
    private final float a;
    private final float b;

    private Elementwise(Kind kind, float a, float b) {
        super((byte) 1);
        this.kind = Preconditions.checkNotNull(kind, "kind");
        this.a = a;
        this.b = b;
    }

    /**
     * Creates a function without arguments (sigmoid, hard swish) or with its defaults (hard sigmoid:
     * α = 0.2, β = 0.5, ONNX's defaults).
     *
     * @param kind the function
     * @return the block
     */
    public static Elementwise of(Kind kind) {
        Preconditions.checkArgument(kind != Kind.CLIP, "clip needs its bounds: use Elementwise.clip(min, max)");
        return kind == Kind.HARD_SIGMOID ? hardSigmoid(0.2f, 0.5f) : new Elementwise(kind, 0, 0);
    }

    /**
     * Creates a clip to [min, max].
     *
     * @param min lower bound (may be −∞)
     * @param max upper bound (may be +∞), at least min
     * @return the block
     */
    public static Elementwise clip(float min, float max) {
        Preconditions.checkArgument(!(min > max), "clip bounds must satisfy min <= max, got [%s, %s]", min, max);
        return new Elementwise(Kind.CLIP, min, max);
    }

    /**
     * Creates a hard sigmoid max(0, min(1, αx + β)).
     *
     * @param alpha α
     * @param beta β
     * @return the block
     */
    public static Elementwise hardSigmoid(float alpha, float beta) {
        return new Elementwise(Kind.HARD_SIGMOID, alpha, beta);
    }

    /** @return the function */
    public Kind getKind() {
        return kind;
    }

    /** @return the first argument: the clip's minimum or the hard sigmoid's α (0 otherwise) */
    public float getA() {
        return a;
    }

    /** @return the second argument: the clip's maximum or the hard sigmoid's β (0 otherwise) */
    public float getB() {
        return b;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = switch (kind) {
            case CLIP -> x.clip(a, b);
            case SIGMOID -> Activation.sigmoid(x);
            case HARD_SWISH -> x.mul(x.add(3f).clip(0f, 6f)).div(6f);
            case HARD_SIGMOID -> x.mul(a).add(b).clip(0f, 1f);
        };
        return new NDList(y);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CLIP -> String.format(Locale.ROOT, "Elementwise(clip %s..%s)", a, b);
            case HARD_SIGMOID -> String.format(Locale.ROOT, "Elementwise(hard sigmoid %s·x + %s)", a, b);
            default -> "Elementwise(" + kind.name().toLowerCase(Locale.ROOT) + ")";
        };
    }
}
