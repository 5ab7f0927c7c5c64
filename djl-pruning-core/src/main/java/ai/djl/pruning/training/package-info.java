/**
 * Pruning during and around training: network slimming ({@link NetworkSlimming}, {@link SlimmingLoss}),
 * soft filter pruning ({@link SoftFilterPruning}), lottery tickets by iterative magnitude pruning with
 * rewinding and the "Deconstructing Lottery Tickets" controls ({@link LotteryTicket}, {@link TicketInit},
 * {@link WeightSnapshot}, {@link RewindCapture}), and the "rethinking" control that trains a pruned
 * architecture from scratch ({@link ScratchControl}).
 *
 * <p>Core holds no data: each pipeline takes the caller's training as a function, so the same code runs
 * with a DJL {@code EasyTrain} loop in a test and with a checkpointed training run in the examples.
 */
package ai.djl.pruning.training;
