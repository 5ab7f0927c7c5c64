package ai.djl.pruning.deploy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pruning.analysis.LatencyModel;
import ai.djl.pruning.nn.KnownOps;
import ai.djl.pruning.nn.ProbeInputs;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.structured.ChannelPruner;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A latency lookup table measured on the runtime that will serve: every convolution shape a plan can give
 * (from {@link ChannelPruner#latencyShapes}) timed inside a model, where the runtime's fixed cost of a call
 * would drown a small layer: five copies side by side (two for layers over a millisecond), summed, against one
 * copy, so that one more copy costs the layer plus an add; the add is measured the same way on identity branches at four sizes and fitted as a
 * straight line in the element count (least squares), which is also the model of element-wise operations.
 * Predicts a layer by lookup; a shape not measured is an error, never a guess.
 *
 * <pre>{@code
 * LatencyTable table = LatencyTable.measure(net, new Shape(1, 3, 32, 32), 16, LayerTimer.onnxRuntime(0, 10, 30));
 * ChannelPruningPlan plan = ChannelPruner.builder().optRoundTo(16).build().planForLatency(net, shape, 0.5, table);
 * }</pre>
 */
public final class LatencyTable implements LatencyModel {

    private final ImmutableMap<Conv, Double> convs;
    private final double fixed;
    private final double perElement;
    private final double callCost;

    private LatencyTable(Map<Conv, Double> convs, double fixed, double perElement, double callCost) {
        this.convs = ImmutableMap.copyOf(convs);
        this.fixed = fixed;
        this.perElement = perElement;
        this.callCost = callCost;
    }

    /**
     * Measures the table for a block's prunable layers at a width multiple.
     *
     * @param block an initialised block
     * @param inputShape its input shape (the batch to plan for)
     * @param multiple the width multiple the pruner will round to
     * @param timer times one layer on the target runtime
     * @return the table
     * @throws Exception if a layer cannot be timed
     */
    public static LatencyTable measure(Block block, Shape inputShape, int multiple, LayerTimer timer) throws Exception {
        List<Conv> shapes = ChannelPruner.latencyShapes(block, inputShape, multiple);
        try (NDManager manager = NDManager.newBaseManager()) {
            Relu one = new Relu();
            Shape tiny = new Shape(1, 1, 1, 1);
            one.initialize(manager, DataType.FLOAT32, tiny);
            double call = timer.millis(one, tiny);
            // Element-wise: the add of N identical branches, N − 1 adds per call, at four sizes; a + b·n by
            // least squares.
            long[] sizes = {1L << 12, 1L << 14, 1L << 16, 1L << 18};
            double[] t = new double[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                Shape s = new Shape(1, sizes[i] / 64, 8, 8);
                try (NDManager scope = manager.newSubManager()) {
                    t[i] = perCopy(() -> Blocks.identityBlock(), s, timer, scope);
                }
            }
            double mx = 0;
            double my = 0;
            for (int i = 0; i < sizes.length; i++) {
                mx += sizes[i] / (double) sizes.length;
                my += t[i] / sizes.length;
            }
            double sxy = 0;
            double sxx = 0;
            for (int i = 0; i < sizes.length; i++) {
                sxy += (sizes[i] - mx) * (t[i] - my);
                sxx += (sizes[i] - mx) * (sizes[i] - mx);
            }
            double b = Math.max(0, sxy / sxx);
            double a = Math.max(0, my - b * mx);
            Map<Conv, Double> convs = new LinkedHashMap<>();
            for (Conv c : shapes) {
                Shape in = new Shape(c.batch(), c.in(), c.height(), c.width());
                Shape outShape = layerOf(c).getOutputShapes(new Shape[] {in})[0];
                double withAdd;
                try (NDManager scope = manager.newSubManager()) { // the copies' parameters go with each shape
                    withAdd = perCopy(() -> layerOf(c), in, timer, scope);
                }
                convs.put(c, Math.max(0, withAdd - (a + b * outShape.size())));
            }
            return new LatencyTable(convs, a, b, call);
        }
    }

    /**
     * N copies of a layer side by side, summed: (time(N) − time(1)) / (N − 1) is one copy plus one add. Five
     * copies where a call's fixed cost is comparable with the layer; two where the layer alone takes over a
     * millisecond, whose fixed cost is noise against it (and five copies would take seconds a pass).
     */
    private static double perCopy(java.util.function.Supplier<Block> layer, Shape in, LayerTimer timer,
            NDManager manager) throws Exception {
        Block single = layer.get();
        ProbeInputs.initializeForOverwrite(single, manager, in);
        double one = timer.millis(single, in);
        int n = one > 1 ? 2 : 5;
        List<Block> copies = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            copies.add(layer.get());
        }
        Block many = new ParallelBlock(KnownOps.Join.ADD.function(), copies);
        ProbeInputs.initializeForOverwrite(many, manager, in);
        return Math.max(0, (timer.millis(many, in) - one) / (n - 1));
    }

    private static Block layerOf(Conv c) {
        return Conv2d.builder().setKernelShape(new Shape(c.kernel(), c.kernel())).optStride(new Shape(c.stride(),
                c.stride())).optPadding(new Shape(c.kernel() / 2, c.kernel() / 2)).setFilters(c.out())
                .optGroups(c.depthwise() ? c.out() : 1).optBias(true).build();
    }

    /**
     * The measured time of a convolution shape; between measured widths (wide layers are measured on a grid of
     * at most nine widths per axis), bilinear in the input and output widths.
     */
    @Override
    public double conv(Conv conv) {
        Double t = convs.get(conv);
        if (t != null) {
            return t;
        }
        int[] ins = grid(conv, true);
        int[] outs = grid(conv, false);
        Preconditions.checkArgument(ins.length > 0 && outs.length > 0 && conv.in() >= ins[0] && conv.in() <= ins[ins.length - 1]
                && conv.out() >= outs[0] && conv.out() <= outs[outs.length - 1], "the latency table has no entry near %s: "
                + "measure it for this model and width multiple", conv);
        int i = bracket(ins, conv.in());
        int o = bracket(outs, conv.out());
        int i1 = Math.min(i + 1, ins.length - 1);
        int o1 = Math.min(o + 1, outs.length - 1);
        double fi = ins[i1] == ins[i] ? 0 : (conv.in() - ins[i]) / (double) (ins[i1] - ins[i]);
        double fo = outs[o1] == outs[o] ? 0 : (conv.out() - outs[o]) / (double) (outs[o1] - outs[o]);
        return (1 - fi) * (1 - fo) * at(conv, ins[i], outs[o]) + fi * (1 - fo) * at(conv, ins[i1], outs[o])
                + (1 - fi) * fo * at(conv, ins[i], outs[o1]) + fi * fo * at(conv, ins[i1], outs[o1]);
    }

    private double at(Conv c, int in, int out) {
        Double t = convs.get(new Conv(c.batch(), c.depthwise() ? out : in, out, c.height(), c.width(), c.kernel(),
                c.stride(), c.depthwise()));
        Preconditions.checkArgument(t != null, "the latency table has no entry for %s at %s→%s", c, in, out);
        return t;
    }

    /** The measured widths of one axis for a layer configuration, ascending. */
    private int[] grid(Conv c, boolean input) {
        return convs.keySet().stream().filter(k -> k.batch() == c.batch() && k.height() == c.height()
                && k.width() == c.width() && k.kernel() == c.kernel() && k.stride() == c.stride()
                && k.depthwise() == c.depthwise()).mapToInt(k -> input ? k.in() : k.out()).distinct().sorted().toArray();
    }

    private static int bracket(int[] grid, int v) {
        int i = 0;
        while (i + 2 < grid.length && grid[i + 1] <= v) {
            i++;
        }
        return i;
    }

    @Override
    public double elementwise(long elements) {
        return fixed + perElement * elements;
    }

    /** @return the number of convolution shapes measured */
    public int size() {
        return convs.size();
    }

    /** @return the runtime's fixed cost of one call, subtracted from every entry, ms */
    public double callCost() {
        return callCost;
    }

    /** @return the table as Markdown: element-wise line, then one row per convolution shape */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "Call cost %.4f ms (subtracted); element-wise "
                + "op: %.4f ms + %.3e ms per element.%n%n| batch | in | out | H×W | kernel | stride | depthwise | ms |%n"
                + "|---:|---:|---:|---|---:|---:|---|---:|%n", callCost, fixed, perElement));
        convs.forEach((c, t) -> sb.append(String.format(Locale.ROOT, "| %d | %d | %d | %d×%d | %d | %d | %s | %.4f |%n",
                c.batch(), c.in(), c.out(), c.height(), c.width(), c.kernel(), c.stride(), c.depthwise() ? "yes" : "",
                t)));
        return sb.toString();
    }
}
