package ai.djl.pruning.structured;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.nn.BlockPaths;
import ai.djl.pruning.nn.ChannelMapping;
import ai.djl.pruning.nn.ChannelShuffle;
import ai.djl.pruning.nn.GlobalAvgPool2d;
import ai.djl.pruning.nn.KnownOps;
import ai.djl.pruning.nn.AvgPool2d;
import ai.djl.pruning.nn.Elementwise;
import ai.djl.pruning.nn.MaxPool2d;
import ai.djl.pruning.nn.Relu;
import ai.djl.pruning.nn.ResidualBlock;
import ai.djl.pruning.nn.ZeroPadShortcut;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which channel dimensions of a block must be pruned together.
 *
 * <p>Every channel a conv or linear layer produces gets an id; the graph follows each tensor through the
 * block tree as an array "channel id per position" and records, for every conv, BatchNorm and linear
 * layer, which ids index its dimensions ({@link LayerChannels}). A residual add unifies the ids at each
 * position of its two branches, with index maps: the CIFAR ResNets' "option A" shortcut
 * ({@link ZeroPadShortcut}) shifts the input's channels by its front padding, and its zero channels
 * couple to nothing. A depthwise convolution passes its input ids to its output. After the walk each id
 * is resolved to its class (union-find): a class is one prunable channel, removed from every layer that
 * indexes it. Channels of the network input and output are protected.
 *
 * <p>Understood blocks: {@link SequentialBlock} (and {@code NamedSequentialBlock}), {@link
 * ResidualBlock}, {@link Conv2d} (regular or depthwise), {@link BatchNorm}, {@link Linear} after a
 * global pool or flatten, grouped convolutions (whole groups), {@link ChannelShuffle} (a within-group index of
 * every group together), {@link Relu}, {@link Elementwise}, {@link
 * MaxPool2d}, {@link AvgPool2d}, {@link GlobalAvgPool2d}, {@link ZeroPadShortcut},
 * DJL's {@code ParallelBlock} and {@code LambdaBlock} when {@link KnownOps} identifies them, and any block
 * that declares its mapping by implementing {@link ChannelMapping}. Any other block stops the analysis with
 * an error naming it: never a silently wrong prune.
 */
public final class DependencyGraph {

    private final ImmutableList<LayerChannels> layers;
    private final ImmutableSet<Integer> protectedChannels;
    private final int channelCount;
    private final Shape inputShape;

    private DependencyGraph(List<LayerChannels> layers, Set<Integer> protectedChannels, int channelCount,
            Shape inputShape) {
        this.layers = ImmutableList.copyOf(layers);
        this.protectedChannels = ImmutableSet.copyOf(protectedChannels);
        this.channelCount = channelCount;
        this.inputShape = inputShape;
    }

    /**
     * Analyses a block.
     *
     * @param block an initialised block
     * @param inputShape its input shape (batch included)
     * @return the graph
     * @throws IllegalArgumentException naming the first block whose channel mapping is unknown
     */
    public static DependencyGraph of(Block block, Shape inputShape) {
        Preconditions.checkArgument(block.isInitialized(), "initialise the block before analysing it");
        Walker w = new Walker();
        int[] input = w.fresh((int) inputShape.get(1));
        Result out = w.walk(block, "", input, new Shape[] {inputShape});
        // Resolve every id to its class.
        List<LayerChannels> resolved = new ArrayList<>();
        for (LayerChannels l : w.layers) {
            resolved.add(new LayerChannels(l.path(), l.block(), l.role(), w.resolve(l.channels())));
        }
        Set<Integer> protect = new TreeSet<>();
        for (int c : w.resolve(input)) {
            protect.add(c);
        }
        for (int c : w.resolve(out.channels)) {
            if (c >= 0) {
                protect.add(c);
            }
        }
        return new DependencyGraph(resolved, protect, w.parent.size(), inputShape);
    }

    /** @return every layer dimension with its channel classes, in execution order */
    public List<LayerChannels> layers() {
        return layers;
    }

    /** @return the input shape analysed */
    public Shape inputShape() {
        return inputShape;
    }

    /** @return channel classes of the network's input and output, which are never pruned */
    public Set<Integer> protectedChannels() {
        return protectedChannels;
    }

    /**
     * Returns the coupled groups: sets of channel classes that share a layer dimension, each with the
     * layer dimensions it spans.
     *
     * @return the groups, in order of first appearance
     */
    public List<ChannelGroup> groups() {
        int[] parent = new int[channelCount];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
        }
        // A layer that produces channels makes them one group; readers (a conv after a concat, a BatchNorm)
        // may span several groups and join none. Channels nobody produces (the network input, zeros
        // of a padding) are grouped by the first layer that reads them, and cannot be pruned.
        Set<Integer> produced = new TreeSet<>();
        for (LayerChannels l : layers) {
            if (l.role() == ChannelRole.CONV_OUT || l.role() == ChannelRole.LINEAR_OUT) {
                for (int c : l.channels()) {
                    union(parent, l.channels()[0], c);
                    produced.add(c);
                }
            }
        }
        Set<Integer> orphans = new TreeSet<>();
        for (LayerChannels l : layers) {
            int first = -1;
            for (int c : l.channels()) {
                if (c >= 0 && !produced.contains(c)) {
                    orphans.add(c);
                    first = first < 0 ? c : first;
                    union(parent, first, c);
                }
            }
        }
        Map<Integer, List<LayerChannels>> layersByGroup = new LinkedHashMap<>();
        Map<Integer, Set<Integer>> channelsByGroup = new LinkedHashMap<>();
        for (LayerChannels l : layers) {
            Set<Integer> touched = new LinkedHashSet<>();
            for (int c : l.channels()) {
                if (c >= 0) {
                    int g = find(parent, c);
                    touched.add(g);
                    channelsByGroup.computeIfAbsent(g, k -> new TreeSet<>()).add(c);
                }
            }
            for (int g : touched) {
                layersByGroup.computeIfAbsent(g, k -> new ArrayList<>()).add(l);
            }
        }
        List<ChannelGroup> out = new ArrayList<>();
        layersByGroup.forEach((g, ls) -> {
            Set<Integer> channels = channelsByGroup.get(g);
            boolean prot = channels.stream().anyMatch(c -> protectedChannels.contains(c) || orphans.contains(c));
            out.add(new ChannelGroup(out.size(), ImmutableList.copyOf(channels), ImmutableList.copyOf(ls), prot));
        });
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("DependencyGraph(" + inputShape + ")");
        for (ChannelGroup g : groups()) {
            sb.append("\n  ").append(g);
        }
        return sb.toString();
    }

    private static int find(int[] parent, int x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a);
        int rb = find(parent, b);
        if (ra != rb) {
            parent[Math.max(ra, rb)] = Math.min(ra, rb);
        }
    }

    private record Result(int[] channels, Shape[] shapes) {}

    /** Follows channel ids through the block tree. */
    private static final class Walker {
        final List<Integer> parent = new ArrayList<>();
        final List<LayerChannels> layers = new ArrayList<>();

        int[] fresh(int n) {
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = parent.size();
                parent.add(parent.size());
            }
            return ids;
        }

        int find(int x) {
            while (parent.get(x) != x) {
                parent.set(x, parent.get(parent.get(x)));
                x = parent.get(x);
            }
            return x;
        }

        void union(int a, int b) {
            int ra = find(a);
            int rb = find(b);
            if (ra != rb) {
                parent.set(Math.max(ra, rb), Math.min(ra, rb));
            }
        }

        int[] resolve(int[] ids) {
            int[] out = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                out[i] = ids[i] < 0 ? ids[i] : find(ids[i]);
            }
            return out;
        }

        /** A zero channel (from padding) that reaches a layer gets an id of its own there. */
        int[] materialise(int[] ids) {
            int[] out = ids.clone();
            for (int i = 0; i < out.length; i++) {
                if (out[i] < 0) {
                    out[i] = fresh(1)[0];
                }
            }
            return out;
        }

        static IllegalArgumentException opaque(Block block, String path, String why) {
            return new IllegalArgumentException(String.format("cannot prune channels through %s at '%s': %s; channel "
                    + "pruning stops here rather than guess", block.getClass().getSimpleName(),
                    path.isEmpty() ? "(root)" : path, why));
        }

        /** Branches of a parallel block see the same input; an add unifies them position by position. */
        Result walkParallel(ParallelBlock block, String path, int[] in, Shape[] inShapes) {
            List<int[]> outs = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            for (Pair<String, Block> child : block.getChildren()) {
                Result r = walk(child.getValue(), BlockPaths.join(path, child.getKey()), in, inShapes);
                outs.add(r.channels);
                shapes.add(r.shapes[0]);
            }
            KnownOps.Join join = KnownOps.identify(block, shapes.toArray(new Shape[0])).orElseThrow(() -> opaque(block,
                    path, "its join matches none of " + Arrays.toString(KnownOps.Join.values())));
            Shape[] outShapes = block.getOutputShapes(inShapes);
            if (join == KnownOps.Join.CONCAT) {
                int[] out = outs.stream().flatMapToInt(Arrays::stream).toArray();
                return new Result(out, outShapes);
            }
            int[] out = outs.get(0).clone();
            for (int[] other : outs.subList(1, outs.size())) {
                Preconditions.checkState(other.length == out.length, "branches of %s differ in width: %s vs %s", path,
                        out.length, other.length);
                for (int i = 0; i < out.length; i++) {
                    if (out[i] >= 0 && other[i] >= 0) {
                        union(out[i], other[i]);
                    }
                    out[i] = out[i] >= 0 ? out[i] : other[i];
                }
            }
            if (join == KnownOps.Join.ADD_RELU) {
                layers.add(new LayerChannels(path, block, ChannelRole.ACTIVATION, out.clone()));
            }
            return new Result(out, outShapes);
        }

        Result walk(Block block, String path, int[] in, Shape[] inShapes) {
            if (block instanceof ResidualBlock residual) {
                Result x = new Result(in, inShapes);
                Pair<String, Block> shortcut = null;
                for (Pair<String, Block> child : block.getChildren()) {
                    if (child.getValue() == residual.getShortcut()) {
                        shortcut = child;
                    } else {
                        x = walk(child.getValue(), BlockPaths.join(path, child.getKey()), x.channels, x.shapes);
                    }
                }
                int[] side = shortcut == null ? in
                        : walk(shortcut.getValue(), BlockPaths.join(path, shortcut.getKey()), in, inShapes).channels;
                Preconditions.checkState(side.length == x.channels.length,
                        "residual branches of %s differ in width: %s vs %s", path, x.channels.length, side.length);
                int[] out = new int[side.length];
                for (int i = 0; i < out.length; i++) {
                    int a = x.channels[i];
                    int b = side[i];
                    if (a >= 0 && b >= 0) {
                        union(a, b);
                    }
                    out[i] = a >= 0 ? a : b;
                }
                if (shortcut != null && shortcut.getValue() instanceof ZeroPadShortcut) {
                    layers.add(new LayerChannels(BlockPaths.join(path, shortcut.getKey()), shortcut.getValue(),
                            ChannelRole.SHORTCUT_PAD, out.clone()));
                }
                if (residual.isReluAfterAdd()) {
                    layers.add(new LayerChannels(path, block, ChannelRole.ACTIVATION, out.clone()));
                }
                return new Result(out, x.shapes);
            }
            if (block instanceof ParallelBlock parallel) {
                return walkParallel(parallel, path, in, inShapes);
            }
            if (block instanceof SequentialBlock) {
                Result x = new Result(in, inShapes);
                for (Pair<String, Block> child : block.getChildren()) {
                    x = walk(child.getValue(), BlockPaths.join(path, child.getKey()), x.channels, x.shapes);
                }
                return x;
            }
            Shape[] outShapes = block.getOutputShapes(inShapes);
            if (block instanceof Conv2d conv) {
                int groups = conv.getGroups();
                int filters = conv.getFilters();
                int[] ids = materialise(in);
                if (groups == 1) {
                    layers.add(new LayerChannels(path, block, ChannelRole.CONV_IN, ids));
                    int[] out = fresh(filters);
                    layers.add(new LayerChannels(path, block, ChannelRole.CONV_OUT, out));
                    return new Result(out, outShapes);
                }
                if (groups == ids.length && filters == ids.length) {
                    layers.add(new LayerChannels(path, block, ChannelRole.DEPTHWISE, ids));
                    return new Result(ids, outShapes);
                }
                // Grouped: whole groups go together (its input channels and its filters), so the per-group
                // widths, and the weight's axis 1, stay as they are.
                int inPer = ids.length / groups;
                int outPer = filters / groups;
                int[] out = new int[filters];
                for (int g = 0; g < groups; g++) {
                    for (int j = 1; j < inPer; j++) {
                        union(ids[g * inPer], ids[g * inPer + j]);
                    }
                    Arrays.fill(out, g * outPer, (g + 1) * outPer, ids[g * inPer]);
                }
                layers.add(new LayerChannels(path, block, ChannelRole.GROUPED_CONV_IN, ids));
                layers.add(new LayerChannels(path, block, ChannelRole.CONV_OUT, out.clone()));
                return new Result(out, outShapes);
            }
            if (block instanceof BatchNorm) {
                int[] ids = materialise(in);
                layers.add(new LayerChannels(path, block, ChannelRole.BATCH_NORM, ids));
                return new Result(ids, outShapes);
            }
            if (block instanceof Linear) {
                Preconditions.checkArgument(inShapes[0].dimension() == 2 && inShapes[0].get(1) == in.length,
                        "linear layer %s takes input %s; only a linear layer after global pooling (one feature per "
                                + "channel) is supported", path, inShapes[0]);
                int[] ids = materialise(in);
                layers.add(new LayerChannels(path, block, ChannelRole.LINEAR_IN, ids));
                int[] out = fresh((int) outShapes[0].get(1));
                layers.add(new LayerChannels(path, block, ChannelRole.LINEAR_OUT, out));
                return new Result(out, outShapes);
            }
            if (block instanceof Relu) {
                layers.add(new LayerChannels(path, block, ChannelRole.ACTIVATION, in.clone()));
                return new Result(in, outShapes);
            }
            if (block instanceof MaxPool2d || block instanceof AvgPool2d || block instanceof GlobalAvgPool2d
                    || block instanceof Elementwise) {
                return new Result(in, outShapes);
            }
            if (block instanceof ChannelShuffle shuffle) {
                // Output a·g + b is input b·(C/g) + a. Index a of every group is one channel: pruning removes
                // it from all g groups, so the pruned width stays a multiple of g and the shuffle keeps its form.
                int[] source = shuffle.sourceChannels(in.length);
                int perGroup = in.length / shuffle.getGroups();
                for (int a = 0; a < perGroup; a++) {
                    for (int b = 1; b < shuffle.getGroups(); b++) {
                        if (in[a] >= 0 && in[b * perGroup + a] >= 0) {
                            union(in[a], in[b * perGroup + a]);
                        } else {
                            throw opaque(block, path, "a zero-padded channel reaches the shuffle");
                        }
                    }
                }
                int[] out = new int[in.length];
                for (int j = 0; j < out.length; j++) {
                    out[j] = in[source[j]];
                }
                return new Result(out, outShapes);
            }
            if (block instanceof ChannelMapping mapping) {
                if (!block.getParameters().isEmpty()) {
                    throw opaque(block, path, "a ChannelMapping block must be parameter-free");
                }
                int[] out = mapping.mapChannels(in.clone(), inShapes);
                Preconditions.checkState(out.length == outShapes[0].get(1), "%s maps %s channels but outputs %s",
                        path, out.length, outShapes[0]);
                for (int c : out) {
                    Preconditions.checkState(c == -1 || Arrays.stream(in).anyMatch(i -> i == c),
                            "%s maps to channel id %s that is not among its inputs", path, c);
                }
                return new Result(out, outShapes);
            }
            if (block instanceof LambdaBlock lambda && KnownOps.identify(lambda).isEmpty()) {
                Block same = KnownOps.equivalent(lambda).orElseThrow(() -> opaque(block, path, KnownOps.UNKNOWN_LAMBDA));
                return walk(same, path, in, inShapes);
            }
            if (block instanceof Dropout) {
                return new Result(in, outShapes); // the identity in inference, channel-local in training
            }
            if (block instanceof LambdaBlock lambda) {
                KnownOps.Lambda op = KnownOps.identify(lambda).orElseThrow();
                if (op == KnownOps.Lambda.RELU) {
                    layers.add(new LayerChannels(path, block, ChannelRole.ACTIVATION, in.clone()));
                }
                if (op == KnownOps.Lambda.BATCH_FLATTEN) {
                    int per = (int) (inShapes[0].size() / inShapes[0].get(0) / in.length);
                    int[] out = new int[in.length * per];
                    for (int c = 0; c < in.length; c++) {
                        Arrays.fill(out, c * per, (c + 1) * per, in[c]);
                    }
                    return new Result(out, outShapes);
                }
                return new Result(in, outShapes);
            }
            if (block instanceof ZeroPadShortcut pad) {
                int[] out = new int[pad.getPadBefore() + in.length + pad.getPadAfter()];
                Arrays.fill(out, -1);
                System.arraycopy(in, 0, out, pad.getPadBefore(), in.length);
                return new Result(out, outShapes);
            }
            throw opaque(block, path, "its channel mapping is unknown (an opaque block)");
        }
    }
}
