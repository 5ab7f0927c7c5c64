package ai.djl.pruning.nn;

import ai.djl.nn.Block;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The registry of {@link BlockHandler}s: the handlers listed in {@code
 * META-INF/services/ai.djl.pruning.nn.BlockHandler} on the class path (this library's built-ins and any
 * a user ships) and those passed to {@link #register}.
 *
 * <p>For a block and a facet, the handler chosen is the first that has the facet and serves the block,
 * looking (1) at handlers of the block's own class, (2) at handlers of interfaces it implements, (3) at
 * handlers of its superclasses, nearest first; within each, the latest registered first, so a user's
 * handler overrides a built-in one.
 *
 * <pre>{@code
 * BlockHandlers.register(new ScaleHandler());
 * Optional<SpecHandler> spec = BlockHandlers.find(block, SpecHandler.class);
 * }</pre>
 */
public final class BlockHandlers {

    private static final Object LOCK = new Object();
    private static volatile ImmutableList<BlockHandler<?>> handlers; // latest first

    private BlockHandlers() {}

    /**
     * Registers a handler for this JVM; it takes precedence over those registered before it for the same
     * block type.
     *
     * @param handler the handler
     * @throws IllegalArgumentException if a spec handler's {@code specType} is taken by another type's handler
     */
    public static void register(BlockHandler<?> handler) {
        Preconditions.checkNotNull(handler, "handler");
        Preconditions.checkNotNull(handler.blockType(), "%s names no block type", handler.getClass().getName());
        synchronized (LOCK) {
            List<BlockHandler<?>> list = new ArrayList<>(all());
            if (handler instanceof SpecHandler<?> spec) {
                for (BlockHandler<?> h : list) {
                    Preconditions.checkArgument(!(h instanceof SpecHandler<?> other)
                            || !other.specType().equals(spec.specType()) || h.blockType() == handler.blockType(),
                            "spec type '%s' of %s is already written by %s for %s", spec.specType(),
                            handler.getClass().getName(), h.getClass().getName(), h.blockType().getName());
                }
            }
            list.add(0, handler);
            handlers = ImmutableList.copyOf(list);
        }
    }

    /**
     * Finds the handler with a facet for a block.
     *
     * @param block the block
     * @param facet the facet interface, such as {@link SpecHandler}
     * @param <F> the facet type
     * @return the handler, if one is registered
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <F extends BlockHandler> Optional<F> find(Block block, Class<F> facet) {
        List<BlockHandler<?>> all = all();
        Class<?> own = block.getClass();
        for (BlockHandler<?> h : all) { // (1) the block's own class
            if (h.blockType() == own && facet.isInstance(h) && ((BlockHandler) h).serves(block)) {
                return Optional.of((F) h);
            }
        }
        for (BlockHandler<?> h : all) { // (2) interfaces
            if (h.blockType().isInterface() && h.blockType().isInstance(block) && facet.isInstance(h)
                    && ((BlockHandler) h).serves(block)) {
                return Optional.of((F) h);
            }
        }
        for (Class<?> c = own.getSuperclass(); c != null; c = c.getSuperclass()) { // (3) superclasses
            for (BlockHandler<?> h : all) {
                if (h.blockType() == c && facet.isInstance(h) && ((BlockHandler) h).serves(block)) {
                    return Optional.of((F) h);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Finds the spec handler that builds a spec type.
     *
     * @param specType the {@code "type"} of a spec
     * @return the handler, if one is registered
     */
    @SuppressWarnings("rawtypes")
    public static Optional<SpecHandler> forSpecType(String specType) {
        for (BlockHandler<?> h : all()) {
            if (h instanceof SpecHandler<?> s && s.specType().equals(specType)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** @return every registered handler, the latest first */
    public static List<BlockHandler<?>> all() {
        ImmutableList<BlockHandler<?>> h = handlers;
        if (h == null) {
            synchronized (LOCK) {
                if (handlers == null) {
                    // This library's loader (the built-ins) and the context loader (a user's jar in a notebook
                    // or an application server), each handler class once.
                    Map<String, BlockHandler<?>> loaded = new LinkedHashMap<>();
                    ClassLoader context = Thread.currentThread().getContextClassLoader();
                    for (ClassLoader loader : new ClassLoader[] {BlockHandler.class.getClassLoader(), context}) {
                        if (loader != null) {
                            for (BlockHandler<?> handler : ServiceLoader.load(BlockHandler.class, loader)) {
                                loaded.putIfAbsent(handler.getClass().getName(), handler);
                            }
                        }
                    }
                    List<BlockHandler<?>> latestFirst = new ArrayList<>(loaded.values());
                    Collections.reverse(latestFirst);
                    handlers = ImmutableList.copyOf(latestFirst);
                }
                h = handlers;
            }
        }
        return h;
    }

    /**
     * The refusal of a capability for a block no handler serves.
     *
     * @param block the block
     * @param path its DJL path ("" for the root)
     * @param facet the missing facet
     * @param what what was being done, e.g. "describe"
     * @return the exception to throw
     */
    public static IllegalArgumentException missing(Block block, String path, Class<?> facet, String what) {
        return new IllegalArgumentException(String.format("cannot %s %s at '%s': no %s is registered for it "
                + "(register one with BlockHandlers.register or META-INF/services/%s)", what,
                block.getClass().getSimpleName(), path.isEmpty() ? "(root)" : path, facet.getSimpleName(),
                BlockHandler.class.getName()));
    }
}
