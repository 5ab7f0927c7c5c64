package ai.djl.pruning.distillation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pruning.nn.BlockTrace;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A student and a frozen teacher in one block, for one DJL training loop: the forward pass returns
 * {@code [student logits, teacher logits, s_1, t_1, ...]} where each feature pair is the student feature
 * through its connector (1×1 conv + BatchNorm, trained, dropped after distillation) and the teacher
 * feature through the margin ReLU {@code max(t, m)}. The teacher always runs in inference mode, its
 * parameters are frozen and its outputs carry no gradient, so only the student and the connectors learn;
 * every teacher array is attached to the batch's manager and freed with it.
 *
 * <pre>{@code
 * DistillationBlock kd = DistillationBlock.builder(student, teacher, new Shape(1, 3, 32, 32))
 *         .addFeature(new FeaturePair("06layer3_098#pre-relu", "06layer3_098#pre-relu", margins))
 *         .build();
 * model.setBlock(kd);   // train with KnowledgeDistillationLoss and/or FeatureDistillationLoss
 * Block trained = kd.getStudent();
 * }</pre>
 */
public final class DistillationBlock extends AbstractBlock {

    private final Block student;
    private final Block teacher;
    private final ImmutableList<FeaturePair> features;
    private final ImmutableList<Block> connectors;
    private final ImmutableList<Shape> studentFeatureShapes;
    private final BlockTrace studentTrace;
    private final BlockTrace teacherTrace;

    private DistillationBlock(Builder b) {
        super((byte) 1);
        this.student = addChildBlock("student", b.student);
        this.teacher = addChildBlock("teacher", b.teacher);
        this.features = ImmutableList.copyOf(b.features);
        teacher.freezeParameters(true);
        Set<String> sp = new LinkedHashSet<>();
        Set<String> tp = new LinkedHashSet<>();
        features.forEach(f -> {
            sp.add(f.studentPath());
            tp.add(f.teacherPath());
        });
        this.studentTrace = BlockTrace.of(sp);
        this.teacherTrace = BlockTrace.of(tp);
        // Probe once for the feature shapes, which size the connectors.
        List<Shape> sShapes = new ArrayList<>();
        List<Block> conns = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            ParameterStore store = new ParameterStore(m, false);
            NDList x = new NDList(m.zeros(b.inputShape));
            studentTrace.forward(student, store, x, false);
            teacherTrace.forward(teacher, store, x, false);
            for (int i = 0; i < features.size(); i++) {
                FeaturePair f = features.get(i);
                Shape s = studentTrace.outputs().get(f.studentPath()).getShape();
                Shape t = teacherTrace.outputs().get(f.teacherPath()).getShape();
                Preconditions.checkArgument(s.dimension() == 4 && t.dimension() == 4 && s.get(2) == t.get(2)
                        && s.get(3) == t.get(3), "feature %s %s and %s %s must be (N, C, H, W) of one size",
                        f.studentPath(), s, f.teacherPath(), t);
                Preconditions.checkArgument(f.margins().length == t.get(1), "%s margins for %s channels of %s",
                        f.margins().length, t.get(1), f.teacherPath());
                sShapes.add(s);
                Block c = new SequentialBlock()
                        .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters((int) t.get(1)).optBias(false)
                                .build())
                        .add(BatchNorm.builder().build());
                conns.add(addChildBlock("connector" + i, c));
            }
        }
        this.connectors = ImmutableList.copyOf(conns);
        this.studentFeatureShapes = ImmutableList.copyOf(sShapes);
    }

    /**
     * Starts a distillation block.
     *
     * @param student the student, initialised
     * @param teacher the teacher, initialised (it is frozen)
     * @param inputShape an input shape, to size the connectors
     * @return the builder
     */
    public static Builder builder(Block student, Block teacher, Shape inputShape) {
        return new Builder(student, teacher, inputShape);
    }

    /** @return the student (to keep after distillation) */
    public Block getStudent() {
        return student;
    }

    /** @return the frozen teacher */
    public Block getTeacher() {
        return teacher;
    }

    /** @return the connectors, one per feature pair */
    public List<Block> getConnectors() {
        return connectors;
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray s = studentTrace.forward(student, store, inputs, training).singletonOrThrow();
        NDArray t = teacherTrace.forward(teacher, store, inputs, false).singletonOrThrow().stopGradient();
        NDList out = new NDList(s, t);
        for (int i = 0; i < features.size(); i++) {
            FeaturePair f = features.get(i);
            NDArray sf = studentTrace.outputs().get(f.studentPath());
            NDArray tf = teacherTrace.outputs().get(f.teacherPath()).stopGradient();
            NDArray margin = tf.getManager().create(f.margins()).reshape(1, f.margins().length, 1, 1);
            out.add(connectors.get(i).forward(store, new NDList(sf), training).singletonOrThrow());
            out.add(tf.maximum(margin));
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        List<Shape> shapes = new ArrayList<>();
        Shape logits = student.getOutputShapes(inputShapes)[0];
        shapes.add(logits);
        shapes.add(logits);
        for (int i = 0; i < features.size(); i++) {
            Shape s = connectors.get(i).getOutputShapes(new Shape[] {studentFeatureShapes.get(i)})[0];
            shapes.add(s);
            shapes.add(s);
        }
        return shapes.toArray(new Shape[0]);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Preconditions.checkState(student.isInitialized() && teacher.isInitialized(),
                "student and teacher must be initialised (and loaded) before distillation");
        for (int i = 0; i < connectors.size(); i++) {
            connectors.get(i).initialize(manager, dataType, studentFeatureShapes.get(i));
        }
        // A student whose parameters were loaded from a file may not record gradients yet.
        for (Pair<String, Parameter> p : student.getParameters()) {
            NDArray a = p.getValue().getArray();
            if (p.getValue().requiresGradient() && !a.hasGradient()) {
                a.setRequiresGradient(true);
            }
        }
    }

    /** Collects the feature pairs. */
    public static final class Builder {
        private final Block student;
        private final Block teacher;
        private final Shape inputShape;
        private final List<FeaturePair> features = new ArrayList<>();

        private Builder(Block student, Block teacher, Shape inputShape) {
            this.student = Preconditions.checkNotNull(student, "student");
            this.teacher = Preconditions.checkNotNull(teacher, "teacher");
            this.inputShape = Preconditions.checkNotNull(inputShape, "input shape");
            Preconditions.checkArgument(student != teacher, "student and teacher must be different blocks");
            Preconditions.checkArgument(student.isInitialized() && teacher.isInitialized(),
                    "initialise (and load) the student and the teacher first");
        }

        /**
         * Adds a feature-distillation position.
         *
         * @param pair the position and margins
         * @return this builder
         */
        public Builder addFeature(FeaturePair pair) {
            features.add(Preconditions.checkNotNull(pair, "feature pair"));
            return this;
        }

        /** @return the block (not yet initialised: its connectors are new) */
        public DistillationBlock build() {
            return new DistillationBlock(this);
        }
    }
}
