package ai.djl.pruning.distillation;

import com.google.common.base.Preconditions;

/**
 * One feature-distillation position: where the student and the teacher feature are taken (DJL paths as
 * {@link ai.djl.pruning.nn.BlockTrace} reads them, pre-ReLU) and the teacher's per-channel margins.
 *
 * @param studentPath the student feature's path
 * @param teacherPath the teacher feature's path
 * @param margins one margin per teacher channel ({@link BatchNormMargin#of})
 */
public record FeaturePair(String studentPath, String teacherPath, float[] margins) {

    /** Checks the arguments. */
    public FeaturePair {
        Preconditions.checkNotNull(studentPath, "student path");
        Preconditions.checkNotNull(teacherPath, "teacher path");
        Preconditions.checkArgument(margins != null && margins.length > 0, "margins are required");
        margins = margins.clone();
    }
}
