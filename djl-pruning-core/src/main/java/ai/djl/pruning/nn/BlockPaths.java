package ai.djl.pruning.nn;

import java.util.Locale;

/**
 * DJL's naming of blocks in a tree: a child is named {@code NNname} (a two-digit position, then the name
 * given to {@code addChildBlock}) and levels are joined with {@code _}, as in the keys of {@code
 * Block#getParameters()} ({@code 04layer1_010_01conv1_weight}).
 */
public final class BlockPaths {

    private BlockPaths() {}

    /**
     * Appends a child to a path.
     *
     * @param path the parent's path ("" for the root)
     * @param child the child's DJL name
     * @return the child's path
     */
    public static String join(String path, String child) {
        return path.isEmpty() ? child : path + "_" + child;
    }

    /**
     * Strips DJL's two-digit position prefix from a child name.
     *
     * @param djlChildName e.g. {@code 01conv1}
     * @return the name given to {@code addChildBlock}, e.g. {@code conv1}
     */
    public static String childName(String djlChildName) {
        int i = 0;
        while (i < djlChildName.length() && i < 2 && Character.isDigit(djlChildName.charAt(i))) {
            i++;
        }
        return djlChildName.substring(i);
    }

    /**
     * Returns the DJL name of the child at a position.
     *
     * @param index 0-based position among the parent's children
     * @param name the name given to {@code addChildBlock}
     * @return e.g. {@code 01conv1}
     */
    public static String childKey(int index, String name) {
        return String.format(Locale.ROOT, "%02d%s", index + 1, name);
    }
}
