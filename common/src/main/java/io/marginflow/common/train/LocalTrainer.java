package io.marginflow.common.train;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.net.Initializer;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.NetworkSpec;
import io.marginflow.common.sample.MinibatchSampler;

/**
 * The whole algorithm in one process on an in-memory dataset: the same samplers, step rules, loss
 * frame, statistics and metric rows as the distributed job (both run {@link TrainingLoop}). It is
 * the oracle for the Spark job and the fast path for small data.
 */
public final class LocalTrainer {

  private final TrainConfig config;
  private final Network network;

  /**
   * A trainer for the given config; the model spec is resolved against the data's feature count.
   */
  public LocalTrainer(TrainConfig config, int features) {
    this.config = config;
    this.network = buildNetwork(config, features);
  }

  /**
   * The network of a config for data with {@code features} columns (the one rule both trainers
   * use).
   */
  public static Network buildNetwork(TrainConfig config, int features) {
    Network net =
        Network.of(
            NetworkSpec.parse(config.modelSpecFor(features)),
            config.model().reluDerivativeAtZero());
    if (net.inputSize() != features) {
      throw new IllegalArgumentException(
          "model: "
              + config.modelSpecFor(features)
              + " takes "
              + net.inputSize()
              + " inputs but the data have "
              + features
              + " features");
    }
    return net;
  }

  /** θ₀ from the config's init rule and the seed derived for "init". */
  public static double[] initialTheta(TrainConfig config, Network network) {
    return Initializer.initialize(
        network, config.model().init(), Seeds.derive(config.optimizer().seed(), "init"));
  }

  /** The network being trained. */
  public Network network() {
    return network;
  }

  /** Trains from θ₀ on {@code train} (and evaluates on {@code test}, may be null). */
  public TrainingState run(
      Dataset train, Dataset test, RunRecorder recorder, LocalBackend.SnapshotSink snapshots) {
    return run(
        TrainingLoop.initialState(config, initialTheta(config, network)),
        train,
        test,
        recorder,
        snapshots);
  }

  /** Continues from a given state (e.g. a checkpoint). */
  public TrainingState run(
      TrainingState start,
      Dataset train,
      Dataset test,
      RunRecorder recorder,
      LocalBackend.SnapshotSink snapshots) {
    MinibatchSampler sampler =
        MinibatchSampler.create(
            config.optimizer().sampler(), train.rows(), TrainingLoop.samplerSeed(config));
    LocalBackend backend =
        new LocalBackend(
            network,
            config.optimizer().loss(),
            sampler,
            config.model().precision(),
            train,
            test,
            snapshots);
    return new TrainingLoop(config, network, backend, recorder).run(start);
  }
}
