package ai.djl.pruning.structured;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pruning.analysis.LatencyModel;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The layers of an analysed block whose time depends on the channels kept, with what a {@link LatencyModel}
 * needs to predict each: convolutions and fully connected layers (their kept input and output widths) and
 * element-wise activations and residual adds (their kept elements). Layers whose time pruning does not
 * change (pooling, a grouped convolution's shape) are left out: they add the same to dense and pruned.
 */
final class LatencySites {

    private record Site(LatencyModel.Conv shape, int[] in, int[] out, long perChannel) {}

    private final ImmutableList<Site> sites;
    private final LatencyModel model;
    private final int batch;

    private LatencySites(List<Site> sites, LatencyModel model, int batch) {
        this.sites = ImmutableList.copyOf(sites);
        this.model = model;
        this.batch = batch;
    }

    static LatencySites of(DependencyGraph graph, LatencyModel model) {
        int batch = (int) graph.inputShape().get(0);
        Map<String, int[]> inputs = new HashMap<>();
        for (LayerChannels l : graph.layers()) {
            if (l.role() == ChannelRole.CONV_IN || l.role() == ChannelRole.LINEAR_IN) {
                inputs.put(l.path(), l.channels());
            }
        }
        List<Site> out = new ArrayList<>();
        for (LayerChannels l : graph.layers()) {
            Block b = l.block();
            switch (l.role()) {
                case CONV_OUT, DEPTHWISE -> {
                    if (!(b instanceof Conv2d conv)) {
                        continue; // a user's layer with filters: no shape to look up, left out like a grouped conv
                    }
                    boolean depthwise = l.role() == ChannelRole.DEPTHWISE;
                    int[] in = depthwise ? l.channels() : inputs.get(l.path());
                    if (in == null) {
                        continue; // grouped: its shape is kept, its cost follows its groups (left out)
                    }
                    Shape s = b.getInputShapes()[0];
                    out.add(new Site(new LatencyModel.Conv(batch, in.length, l.width(), (int) s.get(2), (int) s.get(3),
                            (int) conv.getKernelShape().get(0), (int) conv.getStride().get(0), depthwise), in,
                            l.channels(), 0));
                }
                case LINEAR_OUT -> out.add(new Site(new LatencyModel.Conv(batch, inputs.get(l.path()).length, l.width(),
                        1, 1, 1, 1, false), inputs.get(l.path()), l.channels(), 0));
                case ACTIVATION -> {
                    Shape s = b.getOutputShapes(b.getInputShapes())[0];
                    out.add(new Site(null, null, l.channels(), s.size() / s.get(0) / l.width()));
                }
                default -> { }
            }
        }
        return new LatencySites(out, model, batch);
    }

    /** @return the predicted time of the layers that pruning changes, with these channels removed, ms */
    double predict(Set<Integer> pruned) {
        double t = 0;
        for (Site s : sites) {
            int out = kept(s.out(), pruned);
            if (s.shape() == null) {
                t += model.elementwise((long) out * s.perChannel() * batch);
                continue;
            }
            LatencyModel.Conv c = s.shape();
            int in = s.shape().depthwise() ? out : kept(s.in(), pruned);
            t += model.conv(new LatencyModel.Conv(c.batch(), in, out, c.height(), c.width(), c.kernel(), c.stride(),
                    c.depthwise()));
        }
        return t;
    }

    /**
     * @return the convolution shapes to measure: kept widths on multiples of n (or whole), on a grid of at most
     *     about nine per axis for wide layers
     */
    List<LatencyModel.Conv> convShapes(int n) {
        List<LatencyModel.Conv> shapes = new ArrayList<>();
        for (Site s : sites) {
            if (s.shape() == null) {
                continue;
            }
            LatencyModel.Conv c = s.shape();
            for (int out : widths(c.out(), n)) {
                for (int in : c.depthwise() ? new int[] {out} : widths(c.in(), n)) {
                    LatencyModel.Conv shape = new LatencyModel.Conv(c.batch(), in, out, c.height(), c.width(), c.kernel(),
                            c.stride(), c.depthwise());
                    if (!shapes.contains(shape)) {
                        shapes.add(shape);
                    }
                }
            }
        }
        return shapes;
    }

    /** Widths on multiples of n up to the full width, at most about nine (wider steps for wide layers). */
    private static int[] widths(int full, int n) {
        int step = n * Math.max(1, (int) Math.ceil(full / (8.0 * n)));
        List<Integer> w = new ArrayList<>();
        for (int k = n; k < full; k += step) {
            w.add(k);
        }
        w.add(full);
        return w.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int kept(int[] channels, Set<Integer> pruned) {
        int k = 0;
        for (int c : channels) {
            k += c >= 0 && pruned.contains(c) ? 0 : 1;
        }
        return k;
    }
}
