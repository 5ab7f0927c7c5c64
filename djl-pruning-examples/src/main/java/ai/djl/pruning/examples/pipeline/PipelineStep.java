package ai.djl.pruning.examples.pipeline;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * One step of a {@link PipelineSpec}: a value naming what to do and with which options. Steps run in the
 * fixed order of {@link Kind} (data scan → plan → apply → measure → report); a pipeline lists the ones it
 * wants, each at most once.
 */
public sealed interface PipelineStep {

    /** The kinds of step, in the order they run. */
    enum Kind {
        /** Parameters, MACs, size and accuracy of the model as loaded. */
        PROFILE,
        /** Fine-grained sensitivity scan: accuracy with one tensor pruned at a time. */
        SCAN,
        /** Per-tensor sparsities meeting a size budget, from the scan. */
        ALLOCATE,
        /** Fine-grained masks or structured channel pruning. */
        PRUNE,
        /** Training with masks held, optionally distilled from a teacher. */
        FINETUNE,
        /** Original vs compressed: accuracy, params, MACs, size, latency. */
        MEASURE,
        /** HTML and Markdown report with plots. */
        REPORT;

        /** @return the name used in JSON and on the command line */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** @return this step's kind */
    Kind kind();

    /** Profile the model as loaded (parameters, MACs, size) and evaluate it on the test set. */
    record Profile() implements PipelineStep {
        @Override
        public Kind kind() {
            return Kind.PROFILE;
        }
    }

    /**
     * Sensitivity scan on the first {@code images} test images.
     *
     * @param images test images the scan evaluates on
     * @param sparsities the sparsity grid
     */
    record Scan(int images, ImmutableList<Double> sparsities) implements PipelineStep {
        /** Validates the options. */
        public Scan {
            Preconditions.checkArgument(images > 0, "scan: images must be positive, got %s", images);
            Preconditions.checkArgument(!sparsities.isEmpty(), "scan: sparsities must not be empty");
            sparsities.forEach(s -> Preconditions.checkArgument(s > 0 && s < 1,
                    "scan: every sparsity must be in (0, 1), got %s", s));
        }

        @Override
        public Kind kind() {
            return Kind.SCAN;
        }
    }

    /**
     * Allocate per-tensor sparsities so that the nonzero weights fit a size budget.
     *
     * @param budget nonzero size allowed, as a fraction of the dense size
     */
    record Allocate(double budget) implements PipelineStep {
        /** Validates the options. */
        public Allocate {
            Preconditions.checkArgument(budget > 0 && budget <= 1, "allocate: budget must be in (0, 1], got %s", budget);
        }

        @Override
        public Kind kind() {
            return Kind.ALLOCATE;
        }
    }

    /** How the prune step removes weights. */
    enum Method {
        /** Magnitude masks per weight (sparsity from the allocation or a uniform value). */
        FINE_GRAINED,
        /** Whole channels removed: a new, narrower block. */
        CHANNEL;

        static Method of(String name) {
            for (Method m : values()) {
                if (m.name().replace('_', '-').equalsIgnoreCase(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("prune: unknown method '" + name + "'; use fine-grained or channel");
        }

        /** @return the name used in JSON */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * Prune the model.
     *
     * @param method fine-grained or channel
     * @param sparsity fine-grained only: one sparsity for every conv/linear weight instead of the
     *     allocation; {@code null} to use the allocation
     * @param criteria channel only: importance criteria to try (each is measured; the most accurate
     *     right after pruning goes on)
     * @param macs channel only: target MACs as a fraction of the original
     * @param roundTo channel only: keep a multiple of this many channels per group
     */
    record Prune(Method method, Double sparsity, ImmutableList<String> criteria, double macs, int roundTo)
            implements PipelineStep {
        /** Validates the options. */
        public Prune {
            Preconditions.checkNotNull(method, "prune: method");
            Preconditions.checkArgument(sparsity == null || (sparsity >= 0 && sparsity < 1),
                    "prune: sparsity must be in [0, 1), got %s", sparsity);
            Preconditions.checkArgument(macs > 0 && macs <= 1, "prune: macs must be in (0, 1], got %s", macs);
            Preconditions.checkArgument(roundTo >= 1, "prune: roundTo must be at least 1, got %s", roundTo);
            Preconditions.checkArgument(method != Method.CHANNEL || !criteria.isEmpty(),
                    "prune: channel pruning needs at least one criterion");
            Preconditions.checkArgument(method != Method.CHANNEL || sparsity == null,
                    "prune: 'sparsity' is for fine-grained pruning; channel pruning takes 'macs'");
        }

        @Override
        public Kind kind() {
            return Kind.PRUNE;
        }
    }

    /**
     * Fine-tune (masks held after fine-grained pruning), optionally distilled.
     *
     * @param epochs training epochs
     * @param learningRate initial learning rate (cosine schedule)
     * @param trainImages train on the first N training images only; {@code null} for all
     * @param teacher {@code null} for plain cross-entropy, {@code "original"} to distil from the model as
     *     loaded, or a zoo model name (pretrained)
     */
    record FineTune(int epochs, float learningRate, Long trainImages, String teacher) implements PipelineStep {
        /** Validates the options. */
        public FineTune {
            Preconditions.checkArgument(epochs >= 1, "finetune: epochs must be at least 1, got %s", epochs);
            Preconditions.checkArgument(learningRate > 0, "finetune: lr must be positive, got %s", learningRate);
            Preconditions.checkArgument(trainImages == null || trainImages > 0,
                    "finetune: trainImages must be positive, got %s", trainImages);
        }

        @Override
        public Kind kind() {
            return Kind.FINETUNE;
        }
    }

    /**
     * Measure original vs compressed.
     *
     * @param latency also time single-image inference (only meaningful on idle cores)
     */
    record Measure(boolean latency) implements PipelineStep {
        @Override
        public Kind kind() {
            return Kind.MEASURE;
        }
    }

    /** Write {@code report.html} and {@code report.md} with plots. */
    record Report() implements PipelineStep {
        @Override
        public Kind kind() {
            return Kind.REPORT;
        }
    }

    /**
     * Checks that steps come in the order of {@link Kind}, at most once each, and that each step has
     * what it needs from earlier ones.
     *
     * @param steps the steps
     * @throws IllegalArgumentException naming the first problem
     */
    static void checkOrder(List<PipelineStep> steps) {
        Preconditions.checkArgument(!steps.isEmpty(), "a pipeline needs at least one step");
        for (int i = 1; i < steps.size(); i++) {
            Kind a = steps.get(i - 1).kind();
            Kind b = steps.get(i).kind();
            Preconditions.checkArgument(a.ordinal() < b.ordinal(),
                    "step '%s' cannot follow '%s': steps run in the order %s, each at most once", b.key(), a.key(),
                    ImmutableList.copyOf(Kind.values()).stream().map(Kind::key).toList());
        }
        boolean scan = steps.stream().anyMatch(s -> s instanceof Scan);
        boolean allocate = steps.stream().anyMatch(s -> s instanceof Allocate);
        Preconditions.checkArgument(!allocate || scan, "step 'allocate' needs a 'scan' step before it");
        for (PipelineStep s : steps) {
            if (s instanceof Prune p) {
                if (p.method() == Method.FINE_GRAINED) {
                    Preconditions.checkArgument(allocate ^ p.sparsity() != null, allocate
                            ? "prune: give either an 'allocate' step or a uniform 'sparsity', not both"
                            : "prune: fine-grained pruning needs an 'allocate' step or a uniform 'sparsity'");
                } else {
                    Preconditions.checkArgument(!scan, "the sensitivity scan and allocation are for fine-grained "
                            + "pruning; channel pruning plans from its criteria and 'macs'");
                }
            }
        }
    }
}
