package io.marginflow.spark.job;

import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.Settings;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.format.KktReport;
import io.marginflow.common.format.Manifest;
import io.marginflow.common.kkt.KktCheck;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.NetworkSpec;
import io.marginflow.common.stats.MarginSummary;
import io.marginflow.common.train.EvaluationPass;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.spark.check.ResumeCheck;
import io.marginflow.spark.store.Checkpoint;
import io.marginflow.spark.store.RunStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KKT check of a run's checkpoint on Spark ({@link KktCheck}): the run's config is rebuilt from
 * its manifest, its training data ingested as for training, then one job evaluates the margins and
 * ḡ over every partition (merged in partition order), a second gathers the near-support rows to the
 * driver, where the subgradients a_i(u) and the NNLS fits are computed.
 */
public final class KktJob {
  private static final Logger LOG = LoggerFactory.getLogger(KktJob.class);

  /** Keys of the manifest's config that do not describe the data and model of the run. */
  private static final Set<ConfigKey> NOT_REPLAYED =
      Set.of(ConfigKey.OUT, ConfigKey.RESUME, ConfigKey.MASTER);

  private KktJob() {}

  /**
   * Checks the checkpoint of {@code runDir} at {@code step} (null: the latest).
   *
   * @throws FileNotFoundException if the run has no manifest or no such checkpoint
   */
  public static KktReport run(URI runDir, Long step, KktCheck.Options options, SparkSession spark)
      throws IOException {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Manifest manifest;
    Checkpoint checkpoint;
    try (RunStore store = RunStore.openUnlocked(runDir, sc.hadoopConfiguration())) {
      manifest =
          store
              .readManifest()
              .orElseThrow(
                  () -> new FileNotFoundException(runDir + ": no manifest.json (not a run?)"));
      checkpoint =
          (step == null ? store.readLatestCheckpoint() : store.readCheckpoint(step))
              .orElseThrow(
                  () ->
                      new FileNotFoundException(
                          runDir
                              + ": no checkpoint"
                              + (step == null ? "" : " at step " + step)
                              + " (see checkpoints/)"));
    }
    TrainConfig config = configOf(manifest);
    int features = ((Number) manifest.config().get("features")).intValue();
    Network network = LocalTrainer.buildNetwork(config, features);
    if (checkpoint.theta().length != network.parameterCount()) {
      throw new IllegalArgumentException(
          runDir
              + ": checkpoint at step "
              + checkpoint.step()
              + " holds "
              + checkpoint.theta().length
              + " parameters, the model "
              + network.spec()
              + " has "
              + network.parameterCount());
    }
    DataLoader loader = new DataLoader(sc, config);
    List<InputFile> files = loader.scan(config.data().trainUris());
    TrainJob.Ingested data = TrainJob.ingest(config, loader, files, List.of(), features);
    try {
      return check(runDir.toString(), checkpoint, config, network, data.train(), options);
    } finally {
      data.train().blocks().unpersist(false);
    }
  }

  private static KktReport check(
      String run,
      Checkpoint checkpoint,
      TrainConfig config,
      Network network,
      IngestedData train,
      KktCheck.Options options) {
    double[] theta = checkpoint.theta();
    String spec = network.spec().toString();
    double e = network.reluDerivativeAtZero();
    String lossName = config.settings().text(ConfigKey.LOSS);
    int d = network.parameterCount();
    JavaRDD<RowBlock> blocks = train.blocks();
    blocks
        .context()
        .setJobDescription("marginflow kkt: margins and ḡ at step " + checkpoint.step());
    List<EvaluationPass> parts =
        blocks
            .mapPartitions(
                it -> {
                  Network net = Network.of(NetworkSpec.parse(spec), e);
                  Loss loss = Loss.parse(lossName);
                  EvaluationPass pass = new EvaluationPass(loss, d);
                  while (it.hasNext()) {
                    KktCheck.evaluate(pass, net, loss, it.next(), theta);
                  }
                  return Collections.singletonList(pass).iterator();
                })
            .collect();
    EvaluationPass full = new EvaluationPass(Loss.parse(lossName), d);
    for (EvaluationPass p : parts) { // partition order: the same bits on every cluster
      full.merge(p);
    }
    MarginSummary summary = KktCheck.summarize(full, network, theta);
    double threshold = KktCheck.threshold(summary.minMargin(), options.tolerance());
    blocks.context().setJobDescription("marginflow kkt: near-support rows");
    List<RowBlock> support =
        blocks
            .map(
                b -> {
                  Network net = Network.of(NetworkSpec.parse(spec), e);
                  return KktCheck.nearSupport(net, b, theta, threshold);
                })
            .filter(b -> b.rows() > 0)
            .collect();
    long rows = support.stream().mapToLong(RowBlock::rows).sum();
    LOG.info(
        "kkt at step {}: m(θ) = {}, {} near-support rows at tolerance {}",
        checkpoint.step(),
        summary.minMargin(),
        rows,
        options.tolerance());
    return KktCheck.solve(
        run, checkpoint.step(), network, theta, new ArrayList<>(support), summary, options);
  }

  /** The run's config from its manifest (data and model keys; not out, resume or master). */
  static TrainConfig configOf(Manifest manifest) {
    Settings recorded = ResumeCheck.recorded(manifest);
    Settings defaults = Settings.defaults();
    for (ConfigKey k : NOT_REPLAYED) {
      recorded = recorded.with(k, defaults.text(k));
    }
    return TrainConfig.from(recorded);
  }
}
