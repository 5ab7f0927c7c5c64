package ai.djl.pruning.analysis;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.testng.annotations.Test;

public class CompressionReportTest {

    @Test
    public void ratiosAndDifferences() {
        CompressionReport r = CompressionReport.builder()
                .addLatency(0.9, 0.5)
                .add("MACs (M)", 606, 305, false)
                .addAccuracy(92.95, 92.59)
                .build();
        assertEquals(r.rows().get(0).ratio(), 1.8, 1e-12);
        assertEquals(r.rows().get(1).ratioText(), "1.99×");
        assertEquals(r.rows().get(2).ratioText(), "-0.36 pt");
        String text = r.toText();
        assertTrue(text.contains("Original") && text.contains("Compressed") && text.contains("Ratio"), text);
        assertTrue(r.toMarkdown().startsWith("| | Original | Compressed | Ratio |"), r.toMarkdown());
        JsonObject json = JsonParser.parseString(r.toJson()).getAsJsonObject();
        assertEquals(json.getAsJsonArray("rows").size(), 3);
        assertEquals(json.getAsJsonArray("rows").get(2).getAsJsonObject().get("difference").getAsDouble(), -0.36, 1e-9);
    }

    @Test
    public void nonFiniteValuesAreRefused() {
        expectThrows(IllegalArgumentException.class, () -> CompressionReport.builder().addLatency(Double.NaN, 1));
    }
}
