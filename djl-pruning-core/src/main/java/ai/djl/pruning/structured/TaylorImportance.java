package ai.djl.pruning.structured;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * First-order Taylor importance (Molchanov et al. 2019): the loss change estimated for removing a
 * channel, |Σ w · ∂L/∂w| over the channel's parameters (a filter and its bias; BatchNorm γ and β),
 * with the gradient of the softmax cross-entropy summed over calibration batches. The model runs in
 * inference mode (BatchNorm statistics untouched) and its parameters are not changed.
 */
public final class TaylorImportance implements LayerImportance {

    private final CalibrationData data;
    private final Map<String, double[]> scores = new HashMap<>();

    /**
     * @param data labelled calibration batches
     */
    public TaylorImportance(CalibrationData data) {
        this.data = data;
    }

    @Override
    public void prepare(Block block, DependencyGraph graph) {
        scores.clear();
        Map<String, List<Parameter>> read = new HashMap<>();
        for (LayerChannels l : graph.layers()) {
            if (l.role().isOutputSide()) {
                List<Parameter> ps = new ArrayList<>();
                for (Pair<String, Parameter> p : l.block().getDirectParameters()) {
                    if (p.getValue().requiresGradient()) { // not BatchNorm's running statistics
                        ps.add(p.getValue());
                    }
                }
                read.put(key(l), ps);
                scores.put(key(l), new double[l.width()]);
            }
        }
        List<NDArray> attached = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            if (p.getValue().requiresGradient() && !a.hasGradient()) {
                a.setRequiresGradient(true);
                attached.add(a);
            }
        }
        Loss loss = Loss.softmaxCrossEntropyLoss();
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore store = new ParameterStore(manager, false);
            data.forEach(manager, batch -> {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector();
                        NDManager scope = manager.newSubManager()) {
                    NDList pred = block.forward(store, batch.getData(), false);
                    gc.backward(loss.evaluate(batch.getLabels(), pred));
                    read.forEach((k, ps) -> {
                        double[] acc = scores.get(k);
                        for (Parameter p : ps) {
                            NDArray g = p.getArray().getGradient();
                            g.attach(scope); // the handle would otherwise live as long as the model
                            float[] v = g.mul(p.getArray()).reshape(acc.length, -1).sum(new int[] {1}).toFloatArray();
                            for (int i = 0; i < v.length; i++) {
                                acc[i] += v[i];
                            }
                        }
                    });
                    // Gradients accumulate across backward calls; clear them for the next batch.
                    for (Pair<String, Parameter> p : block.getParameters()) {
                        if (!p.getValue().getArray().hasGradient()) {
                            continue;
                        }
                        NDArray g = p.getValue().getArray().getGradient();
                        g.attach(scope);
                        g.subi(g);
                    }
                }
            });
        } finally {
            attached.forEach(a -> a.setRequiresGradient(false));
        }
    }

    private static String key(LayerChannels l) {
        return l.path() + "[" + l.role() + "]";
    }

    @Override
    public double[] score(LayerChannels layer) {
        if (!layer.role().isOutputSide()) {
            return null;
        }
        double[] s = scores.get(key(layer));
        Preconditions.checkState(s != null, "Taylor has no gradients for %s: plan calls prepare first", layer.path());
        double[] out = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = Math.abs(s[i]);
        }
        return out;
    }

    @Override
    public String toString() {
        return "taylor";
    }
}
