package io.marginflow.spark.check;

import io.marginflow.common.config.ConfigCheck;
import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.Settings;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.NetworkSpec;
import io.marginflow.common.sample.SamplerKind;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.spark.job.DataScanner;
import io.marginflow.spark.job.InputFile;
import io.marginflow.spark.job.InputFiles;
import io.marginflow.spark.job.StepPathChoice;
import io.marginflow.spark.job.TrainJob;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;

/**
 * The one validation pass every entry point runs before anything is created (the {@code train} and
 * {@code check} commands, {@code TrainJob}, sweeps, the service): every key and value, the model
 * spec against the data (homogeneity, input size), the sampler against the row count, the data
 * (every file found, read and parsed once by the scan the run then uses, problems naming {@code
 * file:line}), the test data's feature count, the output location (creatable, empty, not inside the
 * input), and on resume the allowed changes, the checkpoint and the data fingerprint. It collects
 * every problem instead of stopping at the first, reads only, and writes nothing.
 *
 * <p>The given {@link DataScanner} (e.g. Spark's) is used only when the configuration itself is
 * valid; otherwise the data are scanned in this JVM, so their problems are reported too without
 * starting Spark.
 *
 * <pre>{@code
 * ValidationReport r = new RunValidator(hadoopConf, DataScanner.local(hadoopConf))
 *     .validate(args, ValidationOptions.DEFAULTS);
 * if (!r.ok()) { r.problems().forEach(System.err::println); } else { r.plan().describe(); }
 * }</pre>
 */
public final class RunValidator {

  private final Configuration conf;
  private final Function<TrainConfig, DataScanner> scanners;

  /** A validator reading through {@code conf} and scanning line formats with {@code scanner}. */
  public RunValidator(Configuration conf, DataScanner scanner) {
    this(conf, config -> scanner);
    if (scanner == null) {
      throw new IllegalArgumentException("scanner must not be null");
    }
  }

  /**
   * A validator whose scanner is made for the (valid) config when the data are first scanned, e.g.
   * by starting a Spark session on the config's master; it is not called when the config has
   * problems or the data need no scan.
   */
  public RunValidator(Configuration conf, Function<TrainConfig, DataScanner> scanners) {
    if (conf == null || scanners == null) {
      throw new IllegalArgumentException("conf and scanners must not be null");
    }
    this.conf = conf;
    this.scanners = scanners;
  }

  /**
   * Validates a command line ({@code [--config FILE] [--key value …]}, as {@code train} takes it):
   * unknown keys (with the nearest known one), every bad value, and on {@code --resume} every key
   * given that may not change.
   */
  public ValidationReport validate(String[] args, ValidationOptions options) {
    List<Problem> problems = new ArrayList<>();
    ConfigLoader.Parsed parsed = ConfigLoader.inspect(args);
    for (ConfigException e : parsed.problems()) {
      problems.add(problem(e, parsed::origin));
    }
    if (!parsed.positional().isEmpty()) {
      problems.add(new Problem("", "unexpected argument(s) " + parsed.positional()));
    }
    Function<ConfigKey, Optional<String>> given =
        k -> parsed.given().contains(k) ? Optional.of(parsed.settings().text(k)) : Optional.empty();
    return validate(parsed.settings(), given, parsed::origin, options, problems);
  }

  /**
   * Validates a typed config (e.g. one built by a sweep or a service). On resume, a value that
   * differs from its default counts as given.
   */
  public ValidationReport validate(TrainConfig config, ValidationOptions options) {
    Settings s = config.settings();
    Function<ConfigKey, Optional<String>> given =
        k -> s.text(k).equals(k.defaultValue()) ? Optional.empty() : Optional.of(s.text(k));
    return validate(s, given, k -> "--" + k.key(), options, new ArrayList<>());
  }

  private ValidationReport validate(
      Settings settings,
      Function<ConfigKey, Optional<String>> given,
      Function<ConfigKey, String> origin,
      ValidationOptions options,
      List<Problem> problems) {
    ResumeCheck.Resumed resumed = null;
    String resume = settings.text(ConfigKey.RESUME);
    if (!resume.isEmpty()) {
      try {
        resumed = ResumeCheck.open(resume, conf);
        settings = ResumeCheck.merge(resumed, given, origin, conf, problems);
      } catch (IOException | IllegalArgumentException e) {
        problems.add(new Problem(origin.apply(ConfigKey.RESUME), "resume: " + e.getMessage()));
      }
    }
    ConfigCheck.Result checked = ConfigCheck.of(settings);
    for (ConfigException e : checked.problems()) {
      problems.add(problem(e, origin));
    }
    if (checked.config() == null || (!resume.isEmpty() && resumed == null)) {
      return new ValidationReport(problems, null);
    }
    return new Plan(checked.config(), checked.faulty(), resumed, options, origin, problems).run();
  }

  private static Problem problem(ConfigException e, Function<ConfigKey, String> origin) {
    return new Problem(e.key().map(origin).orElse(""), e.getMessage());
  }

  /** The checks after the values are typed, building the plan. */
  private final class Plan {
    private final TrainConfig config;
    private final Set<ConfigKey> faulty;
    private final ResumeCheck.Resumed resumed;
    private final ValidationOptions options;
    private final Function<ConfigKey, String> origin;
    private final List<Problem> problems;

    Plan(
        TrainConfig config,
        Set<ConfigKey> faulty,
        ResumeCheck.Resumed resumed,
        ValidationOptions options,
        Function<ConfigKey, String> origin,
        List<Problem> problems) {
      this.config = config;
      this.faulty = faulty;
      this.resumed = resumed;
      this.options = options;
      this.origin = origin;
      this.problems = problems;
    }

    ValidationReport run() {
      String where = origin.apply(ConfigKey.MODEL);
      boolean specOk = !faulty.contains(ConfigKey.MODEL);
      if (specOk && !config.model().spec().isEmpty()) {
        try {
          NetworkSpec.parse(config.model().spec());
        } catch (IllegalArgumentException e) {
          problems.add(new Problem(where, "model: " + e.getMessage()));
          specOk = false;
        }
      }
      String runId = null;
      URI runDir = null;
      List<String> inputs = new ArrayList<>(config.data().trainUris());
      inputs.addAll(config.data().testUris());
      inputs.addAll(config.data().idxLabelUris());
      if (resumed == null) {
        runId = TrainJob.newRunId(config);
        String out = config.output().out();
        try {
          runDir = InputFiles.qualify(out.isEmpty() ? "runs/" + runId : out, conf).toUri();
          OutputCheck.check(runDir, origin.apply(ConfigKey.OUT), inputs, conf, problems);
        } catch (IOException | IllegalArgumentException e) {
          problems.add(new Problem(origin.apply(ConfigKey.OUT), "out: " + e.getMessage()));
        }
      } else {
        runDir = resumed.dir();
        if (resumed.checkpointStep() < 0) {
          problems.add(
              new Problem(
                  origin.apply(ConfigKey.RESUME),
                  "resume: " + runDir + " has no valid checkpoint (checkpoints/LATEST)"));
        }
      }

      // Spark (or whatever the caller's scanner needs) starts only for a run that could start.
      DataScanner scan = problems.isEmpty() ? lazy(config) : DataScanner.local(conf);
      DataCheck.Facts train;
      DataCheck.Facts test = null;
      if (config.data().generated()) {
        train =
            new DataCheck.Facts(
                List.of(),
                config.data().generatorRows(),
                -1,
                config.data().generatorRows() * (long) config.data().generatorFeatures(),
                config.data().generatorFeatures(),
                "the teacher–student generator (seed " + config.generatorConfig().seed() + ")");
        if (!config.data().testUris().isEmpty()) {
          problems.add(
              new Problem(
                  origin.apply(ConfigKey.TEST_DATA),
                  "test-data: generated data have no test split; give --data too"));
        }
      } else if (resumed != null && options.trustData()) {
        try {
          ResumeCheck.compareData(resumed.manifest(), null, conf, problems);
          train = DataCheck.recorded(config, false, resumed.manifest(), conf);
          if (!config.data().testUris().isEmpty()) {
            test = DataCheck.recorded(config, true, resumed.manifest(), conf);
          }
        } catch (IOException | IllegalArgumentException e) {
          problems.add(new Problem(origin.apply(ConfigKey.DATA), "data: " + e.getMessage()));
          train = null;
        }
      } else {
        try {
          train = DataCheck.scan(config, false, scan, conf, problems);
          if (!config.data().testUris().isEmpty()) {
            test = DataCheck.scan(config, true, scan, conf, problems);
          }
        } catch (ClusterStartException e) {
          // The scan is the first thing that needs the Spark application: its refusal is the
          // master's (or the resource settings') problem, not the data's.
          problems.add(
              new Problem(
                  origin.apply(ConfigKey.MASTER),
                  "master: the Spark application could not start on "
                      + config.cluster().master()
                      + ": "
                      + e.getMessage()));
          train = null;
          test = null;
        }
        if (resumed != null
            && train != null
            && (test != null || config.data().testUris().isEmpty())) {
          List<InputFile> all = new ArrayList<>(train.files());
          if (test != null) {
            all.addAll(test.files());
          }
          ResumeCheck.compareData(resumed.manifest(), all, conf, problems);
        }
      }
      int features = features(train, test);
      boolean shapeKnown =
          train != null && features > 0 && specOk && !faulty.contains(ConfigKey.FEATURES);
      Network network = null;
      if (shapeKnown) {
        try {
          network = LocalTrainer.buildNetwork(config, features);
        } catch (IllegalArgumentException e) {
          problems.add(
              new Problem(
                  where,
                  e.getMessage().startsWith("model")
                      ? e.getMessage()
                      : "model: " + e.getMessage()));
        }
      }
      if (network != null) {
        try {
          LocalTrainer.initialTheta(config, network);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
          problems.add(new Problem(origin.apply(ConfigKey.INIT), "init: " + e.getMessage()));
        }
      }
      if (train != null
          && config.optimizer().sampler().kind() != SamplerKind.FULL
          && config.optimizer().sampler().batchSize() > train.rows()) {
        problems.add(
            new Problem(
                origin.apply(ConfigKey.BATCH),
                "batch: "
                    + config.optimizer().sampler().batchSize()
                    + " exceeds the "
                    + train.rows()
                    + " training rows (use a smaller --batch or --sampler full)"));
      }
      if (!problems.isEmpty() || network == null) {
        if (problems.isEmpty()) {
          problems.add(new Problem("", "the model could not be built from the data"));
        }
        return new ValidationReport(problems, null);
      }
      return new ValidationReport(List.of(), plan(runId, runDir, train, test, features, network));
    }

    private DataScanner lazy(TrainConfig c) {
      DataScanner[] made = {null};
      return (files, format) -> {
        if (made[0] == null) {
          try {
            made[0] = scanners.apply(c);
          } catch (RuntimeException e) {
            throw new ClusterStartException(e);
          }
        }
        return made[0].scan(files, format);
      };
    }

    private int features(DataCheck.Facts train, DataCheck.Facts test) {
      if (train == null) {
        return 0;
      }
      int declared = config.data().declaredFeatures();
      int seen = Math.max(train.width(), test == null ? 0 : test.width());
      if (config.data().format().equals("idx") || config.data().format().equals("csv")) {
        if (test != null && test.width() != train.width()) {
          problems.add(
              new Problem(
                  origin.apply(ConfigKey.TEST_DATA),
                  "test-data: "
                      + test.width()
                      + " features, but the training data have "
                      + train.width()));
        }
        return declared > 0 && config.data().format().equals("csv") ? declared : train.width();
      }
      if (declared > 0 && config.data().format().equals("parquet")) {
        for (DataCheck.Facts f : test == null ? List.of(train) : List.of(train, test)) {
          for (InputFile file : f.files()) {
            if (file.maxIndex() > declared) {
              problems.add(
                  new Problem(
                      origin.apply(ConfigKey.FEATURES),
                      "features: declared "
                          + declared
                          + ", but "
                          + file.uri()
                          + " uses feature index "
                          + file.maxIndex()
                          + " (1-based)"));
              return declared;
            }
          }
        }
      }
      return declared > 0 ? declared : seen;
    }

    private RunPlan plan(
        String runId,
        URI runDir,
        DataCheck.Facts train,
        DataCheck.Facts test,
        int features,
        Network network) {
      boolean idx = config.data().format().equals("idx") && !config.data().generated();
      boolean cnn = config.model().spec().startsWith("cnn");
      boolean sparse = !cnn && !idx && TrainJob.isSparse(train.files(), Math.max(features, 1));
      int partitions = partitions();
      int blockRows = TrainJob.blockRows(config, features);
      RunPlan.Split trainSplit = split(train, features, sparse, partitions, blockRows);
      RunPlan.Split testSplit =
          test == null ? null : split(test, features, sparse, partitions, blockRows);
      long driverData =
          idx ? trainSplit.cachedBytes() + (testSplit == null ? 0 : testSplit.cachedBytes()) : 0;
      long start = resumed == null ? 0 : resumed.checkpointStep();
      long steps = config.optimizer().steps();
      return new RunPlan(
          config,
          runDir,
          runId,
          start,
          trainSplit,
          testSplit,
          features,
          sparse,
          partitions,
          blockRows,
          network.spec().toString(),
          network.parameterCount(),
          network.degree(),
          StepPathChoice.describe(
              config.cluster().stepPath(),
              config.optimizer().sampler().kind() == SamplerKind.FULL,
              partitions,
              config.cluster().treeDepth()),
          Estimates.driverBytes(network.parameterCount(), driverData),
          Estimates.evaluations(
              start, steps, config.output().evalEvery(), config.output().logSpacedEvals()),
          Estimates.checkpoints(start, steps, config.output().checkpointEvery()));
    }

    private int partitions() {
      if (config.cluster().partitions() > 0) {
        return config.cluster().partitions();
      }
      if (options.defaultParallelism() > 0) {
        return options.defaultParallelism();
      }
      return Math.max(1, Estimates.localParallelism(config.cluster().master()));
    }

    private RunPlan.Split split(
        DataCheck.Facts f, int features, boolean sparse, int partitions, int blockRows) {
      long bytes =
          config.data().floatStorage()
              ? Estimates.floatBytes(
                  f.rows(), f.nonZeros(), features, sparse, partitions, blockRows)
              : sparse
                  ? Estimates.sparseBytes(f.rows(), f.nonZeros(), partitions, blockRows)
                  : Estimates.denseBytes(f.rows(), features);
      return new RunPlan.Split(f.files(), f.rows(), f.positives(), f.source(), bytes);
    }
  }
}
