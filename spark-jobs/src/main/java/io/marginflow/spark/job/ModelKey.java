package io.marginflow.spark.job;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.NetworkSpec;
import io.marginflow.common.net.Precision;
import io.marginflow.common.sample.MinibatchSampler;
import io.marginflow.common.sample.SamplerConfig;
import io.marginflow.common.train.PartitionContext;
import io.marginflow.common.train.TrainingLoop;
import java.io.Serializable;
import java.util.Locale;

/**
 * Everything an executor needs to rebuild the per-partition machinery (network, loss, sampler) of a
 * run; small and shipped with every task. Executors build one {@link PartitionContext} per key and
 * thread ({@link #context()}), so nothing heavy travels per step but θ.
 *
 * @param modelSpec canonical network spec
 * @param reluDerivativeAtZero σ'(0)
 * @param loss loss name
 * @param sampler sampler kind name
 * @param batchSize n_b
 * @param rows n (training rows)
 * @param samplerSeed the seed derived for the sampler
 * @param precision the step's arithmetic ({@link Precision#key()})
 */
public record ModelKey(
    String modelSpec,
    double reluDerivativeAtZero,
    String loss,
    String sampler,
    int batchSize,
    long rows,
    long samplerSeed,
    String precision)
    implements Serializable {

  /** Checks the precision name (executors parse it). */
  public ModelKey {
    Precision.parse(java.util.Objects.requireNonNull(precision, "precision"));
  }

  /** The key of a run: its model, loss and sampler settings, over {@code rows} training rows. */
  public static ModelKey of(TrainConfig config, Network network, long rows) {
    return new ModelKey(
        network.spec().toString(),
        config.model().reluDerivativeAtZero(),
        config.optimizer().loss().name(),
        config.optimizer().sampler().kind().name().toLowerCase(Locale.ROOT),
        config.optimizer().sampler().batchSize(),
        rows,
        TrainingLoop.samplerSeed(config),
        config.model().precision().key());
  }

  /** Contexts kept per executor thread: the few most recently used keys (runs share executors). */
  private static final int CONTEXTS_PER_THREAD = 4;

  private static final ThreadLocal<java.util.Map<ModelKey, PartitionContext>> CONTEXTS =
      ThreadLocal.withInitial(
          () ->
              new java.util.LinkedHashMap<>(8, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(
                    java.util.Map.Entry<ModelKey, PartitionContext> eldest) {
                  return size() > CONTEXTS_PER_THREAD;
                }
              });

  /** This thread's context for this key (built on first use). */
  public PartitionContext context() {
    return CONTEXTS.get().computeIfAbsent(this, ModelKey::build);
  }

  private static PartitionContext build(ModelKey k) {
    Network net = Network.of(NetworkSpec.parse(k.modelSpec), k.reluDerivativeAtZero);
    MinibatchSampler sampler =
        MinibatchSampler.create(SamplerConfig.parse(k.sampler, k.batchSize), k.rows, k.samplerSeed);
    return new PartitionContext(net, Loss.parse(k.loss), sampler, Precision.parse(k.precision));
  }
}
