package ai.djl.pruning.structured;

import ai.djl.pruning.nn.ProbeInputs;
import ai.djl.pruning.nn.SpecHandler;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pruning.analysis.LatencyModel;
import ai.djl.pruning.analysis.MacConvention;
import ai.djl.pruning.analysis.ModelProfile;
import ai.djl.pruning.nn.BlockHandlers;
import ai.djl.pruning.nn.BlockPaths;
import ai.djl.pruning.nn.BlockSpec;
import ai.djl.pruning.nn.OutputCheck;
import ai.djl.pruning.nn.ParameterWrites;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableSortedSet;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * Channel pruning that physically shrinks a block: plan (which channels, ranked by an {@link
 * Importance}), then apply (build a <em>new</em>, narrower block with sliced copies of the parameters;
 * the user's block is untouched). Apply verifies on a probe input that the new block's output equals the
 * original's with the pruned channels masked (conv filter, bias, BatchNorm γ and β zeroed).
 *
 * <pre>{@code
 * ChannelPruner pruner = ChannelPruner.builder().optImportance(Importance.l2()).build();
 * ChannelPruningPlan plan = pruner.plan(net, new Shape(1, 3, 32, 32), 0.3);
 * Block smaller = pruner.apply(net, plan, manager);
 * }</pre>
 */
public final class ChannelPruner {

    private final Importance importance;
    private final int minChannels;
    private final float tolerance;
    private final Pattern protect;
    private final boolean global;
    private final int roundTo;

    private ChannelPruner(Builder b) {
        this.global = b.global;
        this.roundTo = b.roundTo;
        this.protect = b.protect;
        this.importance = b.importance;
        this.minChannels = b.minChannels;
        this.tolerance = b.tolerance;
    }

    /** @return a builder (L2 importance, at least 1 channel per layer, verification to 1e-5) */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Plans to remove {@code round(ratio · n)} of the n channels of every unprotected group, lowest
     * importance first, never leaving a layer with fewer than the minimum channels (in global-ranking
     * mode, the lowest {@code round(ratio · N)} of all N unprotected channels, scores normalised per group).
     * Groups touching the network's input or output, or a layer matched by {@link Builder#optProtect}, are
     * left whole.
     *
     * @param block an initialised block
     * @param inputShape its input shape
     * @param ratio fraction of the channels to remove, in [0, 1)
     * @return the plan
     */
    public ChannelPruningPlan plan(Block block, Shape inputShape, double ratio) {
        checkRatio(ratio);
        return select(score(block, inputShape), ratio);
    }

    /**
     * Plans with a ratio per layer: a group takes the ratio of the first pattern (in the map's order)
     * that matches the DJL path of one of its conv or linear layers, else the default ratio. Not for
     * global-ranking mode.
     *
     * <pre>{@code
     * pruner.planPerLayer(net, shape, ImmutableMap.of("layer3", 0.5, "layer2", 0.3), 0.1);
     * }</pre>
     *
     * @param block an initialised block
     * @param inputShape its input shape
     * @param ratios ratio by regular expression over layer paths
     * @param defaultRatio ratio of the groups no pattern matches
     * @return the plan
     */
    public ChannelPruningPlan planPerLayer(Block block, Shape inputShape, Map<String, Double> ratios,
            double defaultRatio) {
        Preconditions.checkState(!global, "per-layer ratios and global ranking exclude each other");
        checkRatio(defaultRatio);
        ratios.values().forEach(ChannelPruner::checkRatio);
        Map<Pattern, Double> compiled = new LinkedHashMap<>();
        ratios.forEach((k, v) -> compiled.put(Pattern.compile(k), v));
        Scored scored = score(block, inputShape);
        compiled.keySet().forEach(pattern -> Preconditions.checkArgument(scored.graph().layers().stream()
                .anyMatch(l -> l.role().hasFilters() && pattern.matcher(l.path()).find()),
                "ratio pattern '%s' matches no conv or linear layer", pattern));
        return selectPerGroup(scored, g -> {
            for (Map.Entry<Pattern, Double> e : compiled.entrySet()) {
                boolean hit = g.layers().stream().filter(l -> l.role().hasFilters())
                        .anyMatch(l -> e.getKey().matcher(l.path()).find());
                if (hit) {
                    return e.getValue();
                }
            }
            return defaultRatio;
        });
    }

    /**
     * Plans the smallest ratio (searched to 1/256; uniform, or global in global-ranking mode) whose pruned
     * block has at most a target fraction of the original MACs (conv and linear only).
     *
     * @param block an initialised block
     * @param inputShape its input shape
     * @param macFraction target MACs / original MACs, in (0, 1]
     * @param manager scratch memory for the trial blocks
     * @return the plan
     * @throws IllegalArgumentException if even the largest ratio misses the target
     */
    public ChannelPruningPlan planForMacs(Block block, Shape inputShape, double macFraction, NDManager manager) {
        return planFor(block, inputShape, macFraction, manager, p -> p.macs(), "MACs");
    }

    /**
     * Like {@link #planForMacs} with a parameter-count target.
     *
     * @param block an initialised block
     * @param inputShape its input shape
     * @param paramFraction target parameters / original parameters, in (0, 1]
     * @param manager scratch memory for the trial blocks
     * @return the plan
     */
    public ChannelPruningPlan planForParams(Block block, Shape inputShape, double paramFraction,
            NDManager manager) {
        return planFor(block, inputShape, paramFraction, manager, p -> p.params(), "parameters");
    }

    /**
     * Plans per-group widths for a predicted latency: starting from the whole block, repeatedly removes the
     * step of channels (the weakest {@code roundTo} remaining of one width segment: a group's own channels, or
     * the part of an option-A stage that is its own) that loses the least importance (scores normalised by
     * their group's mean) per millisecond the model predicts it saves, widths rounded as {@link
     * Builder#optRoundTo} says after each step, until the prediction is at most the target fraction of the
     * dense block's. Only layers whose time pruning changes are predicted (convolutions, fully connected
     * layers, element-wise activations and adds); minimum widths and protected layers hold.
     *
     * <pre>{@code
     * LatencyTable table = LatencyTable.measure(net, shape, 16, timer);      // on the engine that will serve
     * ChannelPruningPlan plan = ChannelPruner.builder().optRoundTo(16).build()
     *         .planForLatency(net, shape, 0.5, table);                       // 2x faster, as predicted
     * }</pre>
     *
     * @param block an initialised block
     * @param inputShape its input shape (the batch the latency is for)
     * @param latencyFraction target predicted time / dense predicted time, in (0, 1]
     * @param model predicts layer times
     * @return the plan
     * @throws IllegalArgumentException if even the narrowest plan misses the target
     */
    public ChannelPruningPlan planForLatency(Block block, Shape inputShape, double latencyFraction,
            LatencyModel model) {
        Preconditions.checkArgument(latencyFraction > 0 && latencyFraction <= 1,
                "target fraction of the latency must be in (0, 1], got %s", latencyFraction);
        Preconditions.checkState(!global, "latency planning chooses per-group widths; global ranking does not apply");
        Scored s = score(block, inputShape);
        LatencySites sites = LatencySites.of(s.graph(), model);
        double dense = sites.predict(Set.of());
        Map<Integer, Double> loss = new HashMap<>();
        Map<Integer, ChannelGroup> groupOf = new HashMap<>();
        for (int gi = 0; gi < s.groups().size(); gi++) {
            ChannelGroup g = s.groups().get(gi);
            double[] scores = s.scores().get(gi);
            double mean = Arrays.stream(scores).map(Math::abs).average().orElse(0);
            for (int i = 0; i < scores.length; i++) {
                loss.put(g.channels().get(i), mean > 0 ? scores[i] / mean : scores[i]);
                groupOf.put(g.channels().get(i), g);
            }
        }
        List<List<Integer>> segments = segments(s.dims(), loss.keySet());
        Set<Integer> pruned = new TreeSet<>();
        double now = dense;
        while (now > latencyFraction * dense) {
            Set<Integer> best = null;
            double bestCost = Double.POSITIVE_INFINITY;
            double bestTime = now;
            for (List<Integer> segment : segments) {
                Set<Integer> trial = new TreeSet<>(pruned);
                int step = 0;
                for (int c : segment.stream().filter(c -> !pruned.contains(c)).sorted(Comparator.comparingDouble(loss::get))
                        .toList()) {
                    if (step >= Math.max(1, roundTo)) {
                        break;
                    }
                    if (leavesEnough(groupOf.get(c), trial, c)) {
                        trial.add(c);
                        step++;
                    }
                }
                if (step == 0) {
                    continue;
                }
                Set<Integer> rounded = new TreeSet<>(finish(s, trial).pruned());
                double time = sites.predict(rounded);
                double saved = now - time;
                if (saved <= 1e-12 * dense) {
                    continue;
                }
                double lost = rounded.stream().filter(c -> !pruned.contains(c)).mapToDouble(c -> loss.getOrDefault(c, 0.0))
                        .sum() - pruned.stream().filter(c -> !rounded.contains(c)).mapToDouble(c -> loss.getOrDefault(c, 0.0))
                        .sum();
                double cost = lost / saved;
                if (cost < bestCost) {
                    bestCost = cost;
                    best = rounded;
                    bestTime = time;
                }
            }
            Preconditions.checkArgument(best != null, "no plan reaches %s of the predicted latency: the narrowest "
                    + "reaches %s", latencyFraction, now / dense);
            pruned.clear();
            pruned.addAll(best);
            now = bestTime;
        }
        return new ChannelPruningPlan(s.graph(), ImmutableSortedSet.copyOf(pruned));
    }

    /**
     * The convolution and fully connected shapes that latency planning at a width multiple can give for a
     * block: every kept input and output width on multiples of n (or whole), per layer. What a measured
     * latency table must hold.
     *
     * @param block an initialised block
     * @param inputShape its input shape
     * @param multiple the width multiple the pruner rounds to
     * @return the distinct shapes
     */
    public static List<LatencyModel.Conv> latencyShapes(Block block, Shape inputShape, int multiple) {
        Preconditions.checkArgument(multiple >= 1, "multiple must be at least 1, got %s", multiple);
        return LatencySites.of(DependencyGraph.of(block, inputShape), null).convShapes(multiple);
    }

    /**
     * The width segments of the prunable channels: each sliced dimension's channels that no narrower dimension
     * holds (a plain group is one segment; an option-A residual group splits into its stages' own parts).
     */
    private static List<List<Integer>> segments(List<int[]> dims, Set<Integer> prunable) {
        Set<Integer> seen = new HashSet<>();
        List<List<Integer>> out = new ArrayList<>();
        for (int[] dim : dims) {
            List<Integer> own = Arrays.stream(dim).boxed().filter(c -> prunable.contains(c) && !seen.contains(c))
                    .distinct().toList();
            seen.addAll(own);
            if (!own.isEmpty()) {
                out.add(own);
            }
        }
        return out;
    }

    private ChannelPruningPlan planFor(Block block, Shape inputShape, double fraction, NDManager manager,
            ToLongFunction<ModelProfile> cost, String what) {
        Preconditions.checkArgument(fraction > 0 && fraction <= 1, "target fraction of %s must be in (0, 1], got %s",
                what, fraction);
        double original = cost.applyAsLong(ModelProfile.of(block, inputShape, MacConvention.CONV_LINEAR));
        Scored scored = score(block, inputShape);
        JsonObject spec = BlockSpec.describe(block); // once: describing probes DJL lambdas and joins
        double lo = 0;
        double hi = 0.99;
        ChannelPruningPlan best = null;
        for (int i = 0; i < 8; i++) {
            double mid = (lo + hi) / 2;
            ChannelPruningPlan plan = select(scored, mid);
            if (cost(spec, plan, manager, cost) <= fraction * original) {
                best = plan;
                hi = mid;
            } else {
                lo = mid;
            }
        }
        if (best == null) {
            ChannelPruningPlan plan = select(scored, hi);
            Preconditions.checkArgument(cost(spec, plan, manager, cost) <= fraction * original,
                    "no ratio below %s reaches %s of the %s", hi, fraction, what);
            best = plan;
        }
        return best;
    }

    private boolean isProtected(String path) {
        return protect != null && protect.matcher(path).find();
    }

    private static void checkRatio(double ratio) {
        Preconditions.checkArgument(ratio >= 0 && ratio < 1, "pruning ratio must be in [0, 1), got %s", ratio);
    }

    /**
     * The graph with the criterion's scores of every prunable group, and the distinct sliced dimensions narrowest
     * first (what rounding and latency planning walk, computed once per analysis rather than per trial plan).
     */
    private record Scored(DependencyGraph graph, List<ChannelGroup> groups, List<double[]> scores, List<int[]> dims) {}

    private Scored score(Block block, Shape inputShape) {
        DependencyGraph graph = DependencyGraph.of(block, inputShape);
        Preconditions.checkArgument(protect == null || graph.layers().stream().anyMatch(l -> isProtected(l.path())),
                "protect pattern '%s' matches no layer path (paths look like %s)", protect,
                graph.layers().get(0).path());
        importance.prepare(block, graph);
        List<ChannelGroup> groups = new ArrayList<>();
        List<double[]> scores = new ArrayList<>();
        for (ChannelGroup g : graph.groups()) {
            if (g.isProtected() || g.layers().stream().anyMatch(l -> isProtected(l.path()))) {
                continue;
            }
            double[] s = importance.score(g);
            Preconditions.checkState(s.length == g.channels().size(), "criterion %s gave %s scores for %s channels",
                    importance, s.length, g.channels().size());
            for (double v : s) {
                Preconditions.checkArgument(Double.isFinite(v), "criterion %s gives a non-finite score (%s) in %s: "
                        + "are there NaN or infinite weights?", importance, v, g);
            }
            groups.add(g);
            scores.add(s);
        }
        return new Scored(graph, groups, scores, slicedDimensions(graph));
    }

    /** Each distinct channel-id array of a sliced layer dimension, narrowest first. */
    private static List<int[]> slicedDimensions(DependencyGraph graph) {
        Map<String, int[]> distinct = new LinkedHashMap<>();
        for (LayerChannels l : graph.layers()) {
            if (l.role().isSliced()) {
                distinct.putIfAbsent(Arrays.toString(l.channels()), l.channels());
            }
        }
        List<int[]> dims = new ArrayList<>(distinct.values());
        dims.sort(Comparator.comparingInt(d -> d.length));
        return dims;
    }

    private ChannelPruningPlan select(Scored s, double ratio) {
        return global ? selectGlobal(s, ratio) : selectPerGroup(s, g -> ratio);
    }

    private ChannelPruningPlan selectPerGroup(Scored s, ToDoubleFunction<ChannelGroup> ratioOf) {
        Set<Integer> pruned = new TreeSet<>();
        for (int gi = 0; gi < s.groups().size(); gi++) {
            ChannelGroup g = s.groups().get(gi);
            double[] scores = s.scores().get(gi);
            long target = Math.round(ratioOf.applyAsDouble(g) * g.channels().size());
            int removed = 0;
            for (int i : ascending(scores)) {
                if (removed >= target) {
                    break;
                }
                int channel = g.channels().get(i);
                if (leavesEnough(g, pruned, channel)) {
                    pruned.add(channel);
                    removed++;
                }
            }
        }
        return finish(s, pruned);
    }

    /** Ranks all prunable channels together, each group's scores divided by their mean so groups compare. */
    private ChannelPruningPlan selectGlobal(Scored s, double ratio) {
        List<double[]> ranked = new ArrayList<>(); // {normalised score, group, index}
        for (int gi = 0; gi < s.groups().size(); gi++) {
            double[] scores = s.scores().get(gi);
            double mean = Arrays.stream(scores).map(Math::abs).average().orElse(0);
            for (int i = 0; i < scores.length; i++) {
                ranked.add(new double[] {mean > 0 ? scores[i] / mean : scores[i], gi, i});
            }
        }
        ranked.sort(Comparator.comparingDouble(r -> r[0]));
        long target = Math.round(ratio * ranked.size());
        Set<Integer> pruned = new TreeSet<>();
        for (double[] r : ranked) {
            if (pruned.size() >= target) {
                break;
            }
            ChannelGroup g = s.groups().get((int) r[1]);
            int channel = g.channels().get((int) r[2]);
            if (leavesEnough(g, pruned, channel)) {
                pruned.add(channel);
            }
        }
        return finish(s, pruned);
    }

    /**
     * Rounds the kept width of every sliced layer dimension to the nearest multiple of N (ties and widths
     * below N up; never beyond the full width) by restoring its best pruned channels or pruning its weakest
     * kept ones. Per dimension, not per group: an option-A ResNet's stage width is a sum of groups (the previous
     * stage's channels plus the padded ones) and one residual group spans every stage, so rounding group totals
     * leaves stage widths such as 15. Dimensions go narrowest first; a dimension's channels are then settled, so
     * a wider one that contains it (the next stage) rounds with its own channels only.
     */
    private ChannelPruningPlan finish(Scored s, Set<Integer> pruned) {
        if (roundTo > 1) {
            Map<Integer, Double> score = new HashMap<>();
            for (int gi = 0; gi < s.groups().size(); gi++) {
                List<Integer> channels = s.groups().get(gi).channels();
                for (int i = 0; i < channels.size(); i++) {
                    score.put(channels.get(i), s.scores().get(gi)[i]);
                }
            }
            // Every sliced dimension, whole ones too: a whole narrow one (the first stage) is settled as it is,
            // so that rounding a wider one down never takes its channels.
            Set<Integer> settled = new HashSet<>();
            Comparator<Integer> byScore = Comparator.comparingDouble(c -> score.getOrDefault(c, 0.0));
            for (int[] dim : s.dims()) {
                int kept = (int) Arrays.stream(dim).filter(c -> !pruned.contains(c)).count();
                int down = kept - kept % roundTo;
                List<Integer> weakestKept = Arrays.stream(dim).boxed()
                        .filter(c -> !pruned.contains(c) && !settled.contains(c) && score.containsKey(c))
                        .sorted(byScore).toList();
                if (kept % roundTo != 0 && kept < dim.length) {
                    if (down >= roundTo && kept % roundTo * 2 < roundTo && weakestKept.size() >= kept - down) {
                        pruned.addAll(weakestKept.subList(0, kept - down));
                    } else {
                        List<Integer> bestPruned = Arrays.stream(dim).boxed().filter(pruned::contains)
                                .sorted(byScore.reversed()).toList();
                        pruned.removeAll(bestPruned.subList(0, Math.min(bestPruned.size(), down + roundTo - kept)));
                    }
                }
                Arrays.stream(dim).forEach(settled::add);
            }
        }
        return new ChannelPruningPlan(s.graph(), ImmutableSortedSet.copyOf(pruned));
    }

    private static List<Integer> ascending(double[] scores) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble(i -> scores[i]));
        return order;
    }

    private static long cost(JsonObject spec, ChannelPruningPlan plan, NDManager manager,
            ToLongFunction<ModelProfile> cost) {
        try (NDManager scope = manager.newSubManager()) {
            Block trial = rebuild(spec, keepIndices(plan, plan.pruned()));
            ProbeInputs.initializeForOverwrite(trial, scope, plan.graph().inputShape());
            return cost.applyAsLong(ModelProfile.of(trial, plan.graph().inputShape(), MacConvention.CONV_LINEAR));
        }
    }

    private boolean leavesEnough(ChannelGroup g, Set<Integer> pruned, int channel) {
        for (LayerChannels l : g.layers()) {
            if (l.role() == ChannelRole.SHORTCUT_PAD || !l.role().isSliced()) {
                continue;
            }
            int kept = 0;
            boolean touches = false;
            for (int c : l.channels()) {
                touches |= c == channel;
                kept += pruned.contains(c) || c == channel ? 0 : 1;
            }
            if (touches && kept < minChannels) {
                return false;
            }
        }
        return true;
    }

    /**
     * Builds the pruned block: new blocks of the same types and names, narrower where the plan says,
     * initialised and filled with slices of the original parameters; then verifies it.
     *
     * @param block the original (not modified)
     * @param plan a plan made for this block
     * @param manager owns the new block's parameters
     * @return the new block
     * @throws IllegalStateException if the verification fails
     */
    public Block apply(Block block, ChannelPruningPlan plan, NDManager manager) {
        return applyVerified(block, plan, manager).block();
    }

    /**
     * The pruned block and how closely it matched the masked original on the verification probe.
     *
     * @param block the pruned block
     * @param verificationError max |pruned − masked original| relative to the largest output magnitude (≥ 1)
     */
    public record VerifiedBlock(Block block, double verificationError) {}

    /**
     * As {@link #apply}, returning the verification's measured difference beside the block.
     *
     * @param block the original (not modified)
     * @param plan a plan made for this block
     * @param manager owns the new block's parameters
     * @return the new block and its verification error
     * @throws IllegalStateException if the verification fails
     */
    public VerifiedBlock applyVerified(Block block, ChannelPruningPlan plan, NDManager manager) {
        Set<Block> parts = Collections.newSetFromMap(new IdentityHashMap<>());
        collect(block, parts);
        for (LayerChannels l : plan.graph().layers()) {
            Preconditions.checkArgument(parts.contains(l.block()),
                    "the plan was made for another block: %s is not part of this one", l.path());
        }
        Map<String, KeptChannels> keep = keepIndices(plan, plan.pruned());
        Block pruned = rebuildAndCopy(block, plan.graph().inputShape(), keep, manager);
        return new VerifiedBlock(pruned, verify(block, pruned, plan, manager));
    }

    private static void collect(Block block, Set<Block> parts) {
        parts.add(block);
        block.getChildren().values().forEach(child -> collect(child, parts));
    }

    /** Indices kept (in this order) along each layer's output-side (axis 0) and input (axis 1) dimensions. */
    private static Map<String, KeptChannels> keepIndices(ChannelPruningPlan plan, Set<Integer> pruned) {
        Map<String, LayerChannels> outs = new LinkedHashMap<>();
        Map<String, int[]> ins = new HashMap<>();
        for (LayerChannels l : plan.graph().layers()) {
            if (l.role().isOutputSide() || l.role() == ChannelRole.SHORTCUT_PAD) {
                outs.put(l.path(), l);
            } else if (l.role().isSliced()) {
                ins.put(l.path(), kept(l.channels(), pruned));
            }
        }
        Map<String, KeptChannels> keep = new HashMap<>();
        Set<String> paths = new TreeSet<>(outs.keySet());
        paths.addAll(ins.keySet());
        for (String p : paths) {
            LayerChannels out = outs.get(p);
            keep.put(p, new KeptChannels(out == null ? null : kept(out.channels(), pruned), out == null ? 0
                    : out.width(), ins.get(p)));
        }
        return keep;
    }

    private static int[] kept(int[] channels, Set<Integer> pruned) {
        return IntStream.range(0, channels.length).filter(i -> !pruned.contains(channels[i])).toArray();
    }

    static Block rebuildAndCopy(Block block, Shape inputShape, Map<String, KeptChannels> keep, NDManager manager) {
        Block copy = rebuild(BlockSpec.describe(block), keep);
        ProbeInputs.initializeForOverwrite(copy, manager, inputShape);
        Map<String, Parameter> target = new HashMap<>();
        for (Pair<String, Parameter> p : copy.getParameters()) {
            target.put(p.getKey(), p.getValue());
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            String name = p.getKey();
            String layer = name.substring(0, name.lastIndexOf('_'));
            KeptChannels k = keep.get(layer);
            NDArray src = p.getValue().getArray();
            Parameter dst = Preconditions.checkNotNull(target.get(name), "rebuilt block lacks %s", name);
            try (NDManager scope = manager.newSubManager()) {
                NDArray v = src;
                if (k != null && k.out() != null) {
                    v = v.get(new NDIndex("{}", scope.create(k.out())));
                }
                if (k != null && k.in() != null && p.getValue().getType() == Parameter.Type.WEIGHT) {
                    v = v.get(new NDIndex(":, {}", scope.create(k.in())));
                }
                Preconditions.checkState(v.getShape().equals(dst.getArray().getShape()),
                        "slice of %s has shape %s, the rebuilt parameter %s", name, v.getShape(), dst.getArray().getShape());
                ParameterWrites.set(dst.getArray(), new NDIndex("..."), v);
            }
        }
        return copy;
    }

    /** A new block built from a copy of the original's spec, narrowed to the widths in {@code keep}. */
    private static Block rebuild(JsonObject spec, Map<String, KeptChannels> keep) {
        JsonObject narrowed = spec.deepCopy();
        narrow(narrowed, "", keep);
        return BlockSpec.build(narrowed);
    }

    @SuppressWarnings("unchecked")
    private static void narrow(JsonObject spec, String path, Map<String, KeptChannels> keep) {
        if (spec.has("children")) {
            JsonArray children = spec.getAsJsonArray("children");
            for (int i = 0; i < children.size(); i++) {
                JsonObject child = children.get(i).getAsJsonObject();
                String name = BlockPaths.childKey(i, child.get("name").getAsString());
                narrow(child.getAsJsonObject("block"), BlockPaths.join(path, name), keep);
            }
        }
        KeptChannels k = keep.get(path);
        if (k != null) {
            String type = spec.get("type").getAsString();
            SpecHandler<?> h = BlockHandlers.forSpecType(type).orElseThrow();
            Preconditions.checkState(h instanceof ChannelHandler, "%s ('%s') was analysed but its handler %s cannot "
                    + "narrow it", path, type, h.getClass().getName());
            ((ChannelHandler<?>) h).narrow(spec, k);
        }
    }

    /** The pruned block must equal a copy of the original whose pruned channels are masked. */
    private double verify(Block original, Block pruned, ChannelPruningPlan plan, NDManager manager) {
        Shape in = plan.graph().inputShape();
        // A batch of at least 4: batch-1 convolutions take libtorch's own im2col path, larger ones the
        // oneDNN kernels that batched inference and training use (and that are wrong on some CPUs).
        Shape probe = in.get(0) >= 4 ? in : new Shape(4).addAll(in.slice(1));
        try (NDManager scope = manager.newSubManager()) {
            Block masked = rebuildAndCopy(original, in, keepIndices(plan, Set.of()), scope);
            // First the rebuilt copy against the user's block: pruned and masked are both rebuilt from the
            // block's description, so only this catches a description that misses what a block computes.
            OutputCheck.requireSameOutputs(original, masked, probe, tolerance, scope,
                    "the rebuilt copy differs from the original block");
            Map<String, Parameter> params = new HashMap<>();
            for (Pair<String, Parameter> p : masked.getParameters()) {
                params.put(p.getKey(), p.getValue());
            }
            for (LayerChannels l : plan.graph().layers()) {
                boolean reads = l.role() == ChannelRole.CONV_IN || l.role() == ChannelRole.LINEAR_IN;
                if (!l.role().isOutputSide() && !reads) {
                    continue;
                }
                int[] removed = IntStream.range(0, l.width()).filter(i -> plan.pruned().contains(l.channels()[i]))
                        .toArray();
                if (removed.length == 0) {
                    continue;
                }
                NDArray index = scope.create(removed); // one write per parameter
                if (reads) {
                    // The readers' columns too: a pruned channel through sigmoid is 0.5, not 0, and is gone.
                    ParameterWrites.set(params.get(l.path() + "_weight").getArray(), new NDIndex(":, {}", index), 0f);
                    continue;
                }
                for (String name : new String[] {"weight", "bias", "gamma", "beta"}) {
                    Parameter p = params.get(l.path() + "_" + name);
                    if (p != null) {
                        ParameterWrites.set(p.getArray(), new NDIndex("{}", index), 0f);
                    }
                }
            }
            return OutputCheck.requireSameOutputs(masked, pruned, probe, tolerance, scope,
                    "pruned block differs from the masked original");
        }
    }

    /** Options of a {@link ChannelPruner}. */
    public static final class Builder {
        private Importance importance = Importance.l2();
        private int minChannels = 1;
        private float tolerance = 1e-5f;
        private Pattern protect;
        private boolean global;
        private int roundTo = 1;

        private Builder() {}

        /**
         * Ranks all prunable channels of the network together (scores normalised by their group's mean)
         * instead of removing the same fraction from every group; default false.
         *
         * @param global true for a global ranking
         * @return this builder
         */
        public Builder optGlobalRanking(boolean global) {
            this.global = global;
            return this;
        }

        /**
         * Rounds the kept width of every pruned layer dimension (a conv's filters, an option-A stage's width) to
         * the nearest multiple of n (at least n, at most its full width), restoring its best pruned channels or
         * pruning its weakest kept ones: the widths an engine's kernels block by (16 for ONNX Runtime's AVX-512
         * convolutions); default 1.
         *
         * @param n the multiple, at least 1
         * @return this builder
         */
        public Builder optRoundTo(int n) {
            Preconditions.checkArgument(n >= 1, "round-to multiple must be at least 1, got %s", n);
            this.roundTo = n;
            return this;
        }

        /**
         * Protects every group that touches a layer whose DJL path matches a regular expression (for
         * example the classifier, so the last conv keeps its width).
         *
         * @param pattern the expression
         * @return this builder
         */
        public Builder optProtect(String pattern) {
            this.protect = Pattern.compile(pattern);
            return this;
        }

        /**
         * Sets the criterion; default L2 norm.
         *
         * @param importance the criterion
         * @return this builder
         */
        public Builder optImportance(Importance importance) {
            this.importance = Preconditions.checkNotNull(importance, "importance");
            return this;
        }

        /**
         * Sets the fewest channels any layer keeps; default 1.
         *
         * @param minChannels at least 1
         * @return this builder
         */
        public Builder optMinChannels(int minChannels) {
            Preconditions.checkArgument(minChannels >= 1, "a layer must keep at least one channel");
            this.minChannels = minChannels;
            return this;
        }

        /**
         * Sets the verification tolerance, relative to the largest output magnitude (at least 1); default 1e-5.
         *
         * @param tolerance a positive tolerance
         * @return this builder
         */
        public Builder optTolerance(float tolerance) {
            Preconditions.checkArgument(tolerance > 0, "tolerance must be positive");
            this.tolerance = tolerance;
            return this;
        }

        /** @return the pruner */
        public ChannelPruner build() {
            return new ChannelPruner(this);
        }
    }
}
