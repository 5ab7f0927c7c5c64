package ai.djl.pruning.deploy;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pruning.structured.ChannelPrunerTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.testng.annotations.Test;

public class RuntimeProfileTest {

    private static final Shape IN = new Shape(2, 3, 8, 8);

    @Test
    public void everyKernelOfTheRealGraphIsTimed() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = ChannelPrunerTest.bottleneckNet();
            net.initialize(manager, DataType.FLOAT32, IN);
            Block folded = BatchNormFolding.fold(net, IN, manager).block();
            Path onnx = Deployment.writeOnnx(folded, IN, Files.createTempDirectory("profiled"));
            RuntimeProfile p = RuntimeProfile.onnxRuntime(onnx, 1, IN, 3, 10);
            assertEquals(p.passes(), 10);
            assertTrue(p.ops().size() >= 4, p.ops().toString());
            assertTrue(p.ops().stream().allMatch(op -> op.ms() >= 0));
            Map<String, double[]> byType = p.byGroup(RuntimeProfile::opType);
            assertTrue(byType.keySet().stream().anyMatch(t -> t.contains("Conv")), byType.keySet().toString());
            assertEquals(byType.values().stream().mapToDouble(v -> v[1]).sum(), p.kernelMs(), 1e-9);
            assertTrue(p.runMs() >= p.kernelMs(), p.toString());
        }
    }

    @Test
    public void warmUpRunsAreDropped() {
        String json = "[{\"cat\":\"Session\",\"name\":\"model_run\",\"ts\":0,\"dur\":900},"
                + "{\"cat\":\"Node\",\"name\":\"a_kernel_time\",\"ts\":10,\"dur\":800,\"args\":{\"op_name\":\"Conv\"}},"
                + "{\"cat\":\"Session\",\"name\":\"model_run\",\"ts\":1000,\"dur\":300},"
                + "{\"cat\":\"Node\",\"name\":\"a_kernel_time\",\"ts\":1010,\"dur\":200,\"args\":{\"op_name\":\"Conv\"}},"
                + "{\"cat\":\"Node\",\"name\":\"b_kernel_time\",\"ts\":1210,\"dur\":50,\"args\":{\"op_name\":\"Relu\"}},"
                + "{\"cat\":\"Session\",\"name\":\"model_run\",\"ts\":2000,\"dur\":500},"
                + "{\"cat\":\"Node\",\"name\":\"a_kernel_time\",\"ts\":2010,\"dur\":400,\"args\":{\"op_name\":\"Conv\"}},"
                + "{\"cat\":\"Node\",\"name\":\"b_kernel_time\",\"ts\":2410,\"dur\":30,\"args\":{\"op_name\":\"Relu\"}}]";
        RuntimeProfile p = RuntimeProfile.parse(json, 1);
        assertEquals(p.passes(), 2);
        assertEquals(p.runMs(), 0.4, 1e-12);
        assertEquals(p.ops().stream().map(op -> op.node() + ":" + op.type()).toList(), java.util.List.of("a:Conv",
                "b:Relu"));
        assertEquals(p.ops().get(0).ms(), 0.3, 1e-12); // (200 + 400) µs over 2 passes
        assertEquals(p.ops().get(1).ms(), 0.04, 1e-12);
    }

    @Test
    public void partsAreStagesOrLayers() {
        assertEquals(RuntimeProfile.part("04layer1_010_01conv1/Conv_2"), "layer1");
        assertEquals(RuntimeProfile.part("06layer3_098/Add_139"), "layer3");
        assertEquals(RuntimeProfile.part("05layer2_010_04conv2"), "layer2");
        assertEquals(RuntimeProfile.part("01conv1/Conv_0"), "conv1");
        assertEquals(RuntimeProfile.part("01backbone_04conv1/Conv_2"), "backbone_conv1");
        assertEquals(RuntimeProfile.part("08linear/Gemm_143"), "linear");
    }
}
