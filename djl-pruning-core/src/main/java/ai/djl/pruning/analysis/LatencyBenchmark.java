package ai.djl.pruning.analysis;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.nn.ProbeInputs;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.translate.TranslateException;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.primitives.Ints;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Measures inference latency of a block: eval mode, no gradient, a warm-up, then timed repetitions on a
 * fixed random input; median, 90th percentile, mean. On a GPU the clock is read only after the
 * output has been copied back (which waits for the device).
 *
 * <pre>{@code
 * List<LatencyResult> r = LatencyBenchmark.builder().optBatchSizes(1, 32).build()
 *         .run(net, new Shape(3, 32, 32));
 * }</pre>
 */
public final class LatencyBenchmark {

    private final int warmup;
    private final int repetitions;
    private final ImmutableList<Integer> batchSizes;
    private final Device device;
    private final int threads;

    private LatencyBenchmark(Builder b) {
        this.warmup = b.warmup;
        this.repetitions = b.repetitions;
        this.batchSizes = ImmutableList.copyOf(Ints.asList(b.batchSizes));
        this.device = b.device;
        this.threads = b.threads;
    }

    /** @return a builder (20 warm-up passes, 50 timed, batch 1, CPU, engine's threads) */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Times the block for every batch size.
     *
     * @param block an initialised block on the benchmark's device
     * @param sampleShape one input without the batch axis, e.g. (3, 32, 32)
     * @return one result per batch size
     */
    public List<LatencyResult> run(Block block, Shape sampleShape) {
        Preconditions.checkArgument(block.isInitialized(), "initialise the block before benchmarking it");
        boolean pytorch = "PyTorch".equals(Engine.getInstance().getEngineName());
        int previousThreads = pytorch ? JniUtils.getNumThreads() : -1;
        if (pytorch && threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        try (NDManager manager = NDManager.newBaseManager(device)) {
            List<LatencyResult> results = new ArrayList<>();
            ParameterStore store = new ParameterStore(manager, false);
            for (int batch : batchSizes) {
                NDArray input = ProbeInputs.gaussian(manager, new Shape(batch).addAll(sampleShape), batch);
                double[] times = time(() -> pass(block, store, input));
                input.close();
                results.add(summarise(batch, pytorch ? JniUtils.getNumThreads() : -1, times));
            }
            return results;
        } finally {
            if (pytorch && threads > 0) {
                JniUtils.setNumThreads(previousThreads);
            }
        }
    }

    /**
     * Times a predictor of any engine (for example an ONNX file in ONNX Runtime) for every batch size,
     * with the same warm-up, repetitions and statistics as for a block. Inputs are random normal values
     * created by the predictor's engine; the device and thread options apply to blocks only.
     *
     * @param predictor a predictor from images (N, C, H, W) to any output
     * @param engineManager a manager of the predictor's engine (the model's)
     * @param sampleShape one input without the batch axis, e.g. (3, 32, 32)
     * @return one result per batch size
     * @throws TranslateException if prediction fails
     */
    public List<LatencyResult> run(Predictor<NDList, NDList> predictor, NDManager engineManager, Shape sampleShape)
            throws TranslateException {
        Random random = new Random(0);
        List<LatencyResult> results = new ArrayList<>();
        for (int batch : batchSizes) {
            Shape shape = new Shape(batch).addAll(sampleShape);
            float[] values = new float[(int) shape.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            try (NDManager scope = engineManager.newSubManager()) {
                NDArray input = scope.create(values, shape);
                results.add(summarise(batch, -1, time(() -> predictor.predict(new NDList(input)).close())));
            }
        }
        return results;
    }

    /** One timed pass (a predictor's may throw). */
    private interface Pass<E extends Exception> {
        void run() throws E;
    }

    /** Runs a pass {@code warmup} times untimed, then {@code repetitions} times timed; milliseconds. */
    private <E extends Exception> double[] time(Pass<E> pass) throws E {
        double[] times = new double[repetitions];
        for (int i = 0; i < warmup + repetitions; i++) {
            long start = System.nanoTime();
            pass.run();
            if (i >= warmup) {
                times[i - warmup] = (System.nanoTime() - start) / 1e6;
            }
        }
        return times;
    }

    private void pass(Block block, ParameterStore store, NDArray input) {
        // Intermediates attach to the input's manager: scope them to this pass.
        try (NDManager scope = input.getManager().newSubManager()) {
            input.tempAttach(scope);
            NDList out = block.forward(store, new NDList(input), false);
            if (device.isGpu()) {
                out.head().get(0).toFloatArray(); // waits for the device
            }
        }
    }

    private LatencyResult summarise(int batch, int usedThreads, double[] times) {
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = median(sorted);
        double p90 = sorted[Math.max(0, (int) Math.ceil(0.9 * n) - 1)];
        double mean = Arrays.stream(sorted).average().orElse(Double.NaN);
        return new LatencyResult(batch, device.toString(), usedThreads, warmup, repetitions, median, p90, mean, sorted[0]);
    }

    /**
     * Returns the median.
     *
     * @param values at least one value
     * @return the middle value, or the mean of the two middle values
     */
    public static double median(double... values) {
        Preconditions.checkArgument(values.length > 0, "no values");
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Options of a {@link LatencyBenchmark}. */
    public static final class Builder {
        private int warmup = 20;
        private int repetitions = 50;
        private int[] batchSizes = {1};
        private Device device = Device.cpu();
        private int threads = -1;

        private Builder() {}

        /**
         * Sets untimed passes before timing; default 20 (first passes in a fresh process are slow).
         *
         * @param warmup at least 0
         * @return this builder
         */
        public Builder optWarmup(int warmup) {
            Preconditions.checkArgument(warmup >= 0, "warm-up must be >= 0, got %s", warmup);
            this.warmup = warmup;
            return this;
        }

        /**
         * Sets timed passes; default 50.
         *
         * @param repetitions at least 1
         * @return this builder
         */
        public Builder optRepetitions(int repetitions) {
            Preconditions.checkArgument(repetitions > 0, "repetitions must be positive, got %s", repetitions);
            this.repetitions = repetitions;
            return this;
        }

        /**
         * Sets the batch sizes to time; default 1.
         *
         * @param batchSizes positive sizes
         * @return this builder
         */
        public Builder optBatchSizes(int... batchSizes) {
            Preconditions.checkArgument(batchSizes.length > 0 && Arrays.stream(batchSizes).allMatch(b -> b > 0),
                    "batch sizes must be positive, got %s", Arrays.toString(batchSizes));
            this.batchSizes = batchSizes.clone();
            return this;
        }

        /**
         * Sets the device; default CPU. The block must live there.
         *
         * @param device the device
         * @return this builder
         */
        public Builder optDevice(Device device) {
            this.device = Preconditions.checkNotNull(device, "device");
            return this;
        }

        /**
         * Sets the PyTorch engine's intra-op threads during the run; default: leave as is.
         *
         * @param threads positive thread count
         * @return this builder
         */
        public Builder optThreads(int threads) {
            Preconditions.checkArgument(threads > 0, "threads must be positive, got %s", threads);
            this.threads = threads;
            return this;
        }

        /** @return the benchmark */
        public LatencyBenchmark build() {
            return new LatencyBenchmark(this);
        }
    }
}
