package io.marginflow.spark.cli;

import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.format.SweepManifest;
import io.marginflow.spark.job.InputFiles;
import io.marginflow.spark.store.SweepStore;
import io.marginflow.spark.sweep.SweepDryRun;
import io.marginflow.spark.sweep.SweepProgress;
import io.marginflow.spark.sweep.SweepRunner;
import io.marginflow.spark.sweep.SweepSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * {@code marginflow sweep}: many runs of one base config over a grid of run keys and a list of
 * seeds, in one Spark application ({@link SweepRunner}); {@code --resume ROOT/<sweep-id>} continues
 * every unfinished run. Exits 0 when every run finished, 1 when some failed.
 */
final class SweepCommand {

  static final String USAGE =
      """
      usage: marginflow sweep [--config FILE.yaml] [--grid KEY=V1,V2,… ...] [--seeds 1-5]
                              [--out ROOT] [--parallel N] [--name ID] [--key value ...] [--dry-run]
             marginflow sweep --resume ROOT/SWEEP_ID [--parallel N] [--master URL]
      The YAML file may hold grid: (key: [values]), seeds: (1-5 or a list), parallel:, name: and
      out: (the sweep root) next to the run keys; flags override it. Runs go to
      ROOT/SWEEP_ID/RUN_ID; ROOT/SWEEP_ID/sweep.json lists them with their status.
      --dry-run (or marginflow check with the same arguments) prints the runs and checks each one's
      config, data and output directory as marginflow check does, and writes nothing.""";

  /** Checks the sweep and prints its runs without starting it. */
  static final String DRY_RUN = "--dry-run";

  private SweepCommand() {}

  static int run(String[] args, PrintStream out) throws IOException {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) {
        out.println(USAGE);
        return 0;
      }
    }
    Configuration conf = new Configuration();
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    if (rest.remove(DRY_RUN)) {
      if (resumeDir(args) != null) {
        throw new ConfigException("sweep: --dry-run checks a new sweep, not --resume\n" + USAGE);
      }
      return SweepDryRun.check(SweepSpec.parse(rest.toArray(String[]::new)), conf, out) ? 0 : 2;
    }
    SweepProgress progress = new SweepProgress(out);
    SweepStore store;
    SweepManifest m;
    String master;
    if (resumeDir(args) != null) {
      CommandArgs a =
          CommandArgs.parse(
              "sweep", args, java.util.Set.of("resume", "parallel", "master"), java.util.Set.of());
      if (!a.positional().isEmpty()) {
        throw new ConfigException("sweep: unexpected argument(s) " + a.positional() + "\n" + USAGE);
      }
      URI dir = InputFiles.qualify(a.required("resume", USAGE), conf).toUri();
      store = SweepStore.open(dir, conf);
      m = store.read();
      long p = a.longOption("parallel", m.parallel());
      if (p < 1 || p > 1024) {
        throw new ConfigException("sweep: --parallel: expected 1..1024, got " + p);
      }
      m = m.withParallel((int) p);
      master =
          a.option(
              "master",
              m.runs().isEmpty()
                  ? ConfigKey.MASTER.defaultValue()
                  : m.runs().get(0).config().getOrDefault("master", "local[*]"));
      progress.note("resuming " + dir);
    } else {
      SweepSpec spec = SweepSpec.parse(args);
      Instant now = Instant.now();
      String id = spec.sweepId(now);
      m = spec.plan(id, now);
      URI dir = InputFiles.qualify(spec.root() + "/" + id, conf).toUri();
      store = SweepStore.create(dir, conf);
      master = spec.base().text(ConfigKey.MASTER);
      progress.note(
          m.runs().size() + " run(s): grid " + m.grid() + " × seeds " + m.seeds() + " → " + dir);
    }
    SparkSession spark = SparkSessions.forSweep(master);
    try {
      SweepManifest end = new SweepRunner(spark, store, progress).run(m);
      long failed =
          end.runs().stream().filter(r -> r.status().equals(SweepManifest.FAILED)).count();
      progress.note(
          (end.runs().size() - failed)
              + " finished, "
              + failed
              + " failed; sweep file "
              + new org.apache.hadoop.fs.Path(
                  new org.apache.hadoop.fs.Path(store.uri()), SweepStore.SWEEP_FILE));
      return failed == 0 ? 0 : 1;
    } finally {
      spark.stop();
    }
  }

  private static String resumeDir(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--resume") && i + 1 < args.length) {
        return args[i + 1];
      }
      if (args[i].startsWith("--resume=")) {
        return args[i].substring(9);
      }
    }
    return null;
  }
}
