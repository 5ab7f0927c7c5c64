package ai.djl.pruning.structured;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.nn.BlockHandlers;
import ai.djl.pruning.nn.BlockPaths;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.util.ArrayList;
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
 * <p>Each block's mapping comes from the {@link ChannelHandler} that {@code BlockHandlers} finds for it:
 * built-ins for DJL's sequences, {@code ParallelBlock} joins (add, add + ReLU, concat, multiply) and
 * {@code LambdaBlock}s that probing identifies, {@code Conv2d} (regular, grouped: whole groups; depthwise),
 * {@code BatchNorm}, {@code Linear} after a global pool or flatten, {@code Dropout}, the project's {@code
 * nn} blocks, and any block that declares its mapping by implementing {@code ChannelMapping}; a user's
 * layer through its registered handler. Any other block stops the analysis with an error naming it:
 * never a silently wrong prune.
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
        ChannelFlow out = w.walk(block, "", new ChannelFlow(input, new Shape[] {inputShape}));
        // Resolve every id to its class.
        List<LayerChannels> resolved = new ArrayList<>();
        for (LayerChannels l : w.layers) {
            resolved.add(new LayerChannels(l.path(), l.block(), l.role(), w.resolve(l.channels())));
        }
        Set<Integer> protect = new TreeSet<>();
        for (int c : w.resolve(input)) {
            protect.add(c);
        }
        for (int c : w.resolve(out.channels())) {
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

        @SuppressWarnings("unchecked")
        ChannelFlow walk(Block block, String path, ChannelFlow in) {
            ChannelHandler<Block> h = BlockHandlers.find(block, ChannelHandler.class).orElseThrow(() -> opaque(block,
                    path, "its channel mapping is unknown (an opaque block; register a ChannelHandler for it)"));
            return h.channels(block, new At(block, path, in));
        }

        /** The walk standing at one block. */
        private final class At implements ChannelWalk {
            private final Block block;
            private final String path;
            private final ChannelFlow in;

            At(Block block, String path, ChannelFlow in) {
                this.block = block;
                this.path = path;
                this.in = in;
            }

            @Override
            public String path() {
                return path;
            }

            @Override
            public int[] input() {
                return in.channels().clone();
            }

            @Override
            public Shape[] inputShapes() {
                return in.shapes();
            }

            @Override
            public Shape[] outputShapes() {
                return block.getOutputShapes(in.shapes());
            }

            @Override
            public int[] fresh(int count) {
                return Walker.this.fresh(count);
            }

            @Override
            public void union(int a, int b) {
                Walker.this.union(a, b);
            }

            @Override
            public int[] materialise(int[] ids) {
                return Walker.this.materialise(ids);
            }

            @Override
            public ChannelFlow record(ChannelRole role, int[] ids) {
                layers.add(new LayerChannels(path, block, role, ids.clone()));
                return pass(ids);
            }

            @Override
            public ChannelFlow child(String key, Block child, ChannelFlow childIn) {
                return walk(child, BlockPaths.join(path, key), childIn);
            }

            @Override
            public ChannelFlow as(Block same) {
                return walk(same, path, in);
            }

            @Override
            public IllegalArgumentException opaque(String why) {
                return Walker.opaque(block, path, why);
            }
        }
    }
}
