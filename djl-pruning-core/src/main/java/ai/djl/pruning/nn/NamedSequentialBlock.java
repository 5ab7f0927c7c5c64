package ai.djl.pruning.nn;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;

/**
 * A {@link SequentialBlock} whose children carry names of the user's choice instead of their class
 * names, so that parameter paths read like PyTorch module paths ({@code 01conv1_weight} rather than
 * {@code 01Conv2d_weight}) and map one to one onto state-dict names.
 *
 * <pre>{@code
 * NamedSequentialBlock features = new NamedSequentialBlock()
 *         .add("conv0", Conv2d.builder()...build())
 *         .add("bn0", BatchNorm.builder().build())
 *         .add("relu0", new Relu());
 * }</pre>
 */
public class NamedSequentialBlock extends SequentialBlock {

    /**
     * Appends a named child.
     *
     * @param name the child's name (for example the PyTorch module name)
     * @param block the child
     * @return this block
     */
    public NamedSequentialBlock add(String name, Block block) {
        addChildBlock(name, block);
        return this;
    }
}
