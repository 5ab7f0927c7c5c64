package ai.djl.pruning.structured;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.pruning.nn.BlockTrace;
import ai.djl.training.ParameterStore;
import com.google.common.base.Preconditions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * APoZ (Hu et al. 2016): the Average Percentage of Zeros of each channel after its ReLU over calibration
 * batches; a channel that is mostly zero carries little, so the score is the fraction of <em>non-zero</em>
 * activations (higher kept). Reads every {@link ChannelRole#ACTIVATION} of the graph: ReLU blocks and the
 * ReLU after a residual add.
 */
public final class ApozImportance implements LayerImportance {

    private final CalibrationData data;
    private final Map<String, double[]> active = new HashMap<>();

    /**
     * @param data calibration batches
     */
    public ApozImportance(CalibrationData data) {
        this.data = data;
    }

    @Override
    public void prepare(Block block, DependencyGraph graph) {
        active.clear();
        Set<String> paths = graph.layers().stream().filter(l -> l.role() == ChannelRole.ACTIVATION)
                .map(LayerChannels::path).collect(Collectors.toSet());
        Preconditions.checkArgument(!paths.isEmpty(), "APoZ needs ReLU activations and the block has none");
        Map<String, double[]> zeros = new HashMap<>();
        Map<String, Long> counts = new HashMap<>();
        BlockTrace trace = BlockTrace.of(paths);
        try (NDManager manager = NDManager.newBaseManager()) {
            ParameterStore store = new ParameterStore(manager, false);
            data.forEach(manager, batch -> {
                trace.forward(block, store, batch.getData(), false);
                trace.outputs().forEach((path, y) -> {
                    int[] axes = y.getShape().dimension() == 4 ? new int[] {0, 2, 3} : new int[] {0};
                    NDArray z = y.eq(0).toType(DataType.FLOAT32, false).sum(axes);
                    float[] v = z.toFloatArray();
                    double[] acc = zeros.computeIfAbsent(path, k -> new double[v.length]);
                    for (int i = 0; i < v.length; i++) {
                        acc[i] += v[i];
                    }
                    counts.merge(path, y.size() / y.getShape().get(1), Long::sum);
                });
            });
        }
        zeros.forEach((path, z) -> {
            double[] a = new double[z.length];
            for (int i = 0; i < z.length; i++) {
                a[i] = 1 - z[i] / counts.get(path);
            }
            active.put(path, a);
        });
    }

    @Override
    public double[] score(LayerChannels layer) {
        if (layer.role() != ChannelRole.ACTIVATION) {
            return null;
        }
        double[] a = active.get(layer.path());
        Preconditions.checkState(a != null, "APoZ has no statistics for %s: plan calls prepare first", layer.path());
        return a.clone();
    }

    @Override
    public String toString() {
        return "apoz";
    }
}
