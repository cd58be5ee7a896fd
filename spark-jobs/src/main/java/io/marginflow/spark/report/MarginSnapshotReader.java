package io.marginflow.spark.report;

import io.marginflow.common.format.FormatException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * Reads the per-sample margin snapshots {@code margins/step=<K>/part-*.parquet} (columns {@code
 * row}, {@code label}, {@code margin}, {@code lambda}; written by the job's MarginSnapshots) with
 * parquet-hadoop directly, without a Spark session, from any Hadoop file system.
 */
public final class MarginSnapshotReader {

  /** The folder of the snapshots inside a run directory. */
  public static final String MARGINS = "margins";

  private static final Pattern STEP_DIR = Pattern.compile("step=(\\d{1,18})");

  private MarginSnapshotReader() {}

  /** Steps of the snapshot folders of a run, ascending (empty without {@code margins/}). */
  public static List<Long> steps(FileSystem fs, Path runDir) throws IOException {
    Path margins = new Path(runDir, MARGINS);
    List<Long> out = new ArrayList<>();
    if (!fs.exists(margins)) {
      return out;
    }
    for (FileStatus st : fs.listStatus(margins)) {
      Matcher m = STEP_DIR.matcher(st.getPath().getName());
      if (st.isDirectory() && m.matches()) {
        out.add(Long.parseLong(m.group(1)));
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * Reads the snapshot of {@code step}, sorted by row index.
   *
   * @throws FileNotFoundException if there is no such snapshot (the message lists the steps there
   *     are)
   * @throws FormatException if a file lacks a column or is not Parquet
   */
  public static MarginSnapshot read(FileSystem fs, Configuration conf, Path runDir, long step)
      throws IOException {
    Path dir = new Path(new Path(runDir, MARGINS), "step=" + step);
    if (!fs.exists(dir)) {
      throw new FileNotFoundException(
          runDir
              + " has no margin snapshot at step "
              + step
              + " (snapshots at steps: "
              + steps(fs, runDir)
              + "; write them with --snapshot-margins-at)");
    }
    FileStatus[] parts = fs.listStatus(dir, p -> p.getName().endsWith(".parquet"));
    Arrays.sort(parts, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
    Columns c = new Columns();
    for (FileStatus part : parts) {
      readPart(part.getPath(), conf, c);
    }
    return c.sorted(step);
  }

  private static void readPart(Path file, Configuration conf, Columns c) throws IOException {
    try (ParquetReader<Group> r =
        ParquetReader.builder(new GroupReadSupport(), file).withConf(conf).build()) {
      Group g;
      while ((g = r.read()) != null) {
        c.add(
            g.getLong("row", 0),
            g.getDouble("label", 0),
            g.getDouble("margin", 0),
            g.getDouble("lambda", 0));
      }
    } catch (RuntimeException e) {
      throw new FormatException(
          file
              + ": not a margin snapshot with columns row, label, margin, lambda: "
              + e.getMessage(),
          e);
    }
  }

  /** Growable columns. */
  private static final class Columns {
    private long[] row = new long[1024];
    private double[] label = new double[1024];
    private double[] margin = new double[1024];
    private double[] lambda = new double[1024];
    private int n;

    void add(long r, double y, double m, double l) {
      if (n == row.length) {
        int cap = 2 * n;
        row = Arrays.copyOf(row, cap);
        label = Arrays.copyOf(label, cap);
        margin = Arrays.copyOf(margin, cap);
        lambda = Arrays.copyOf(lambda, cap);
      }
      row[n] = r;
      label[n] = y;
      margin[n] = m;
      lambda[n] = l;
      n++;
    }

    MarginSnapshot sorted(long step) {
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Long.compare(row[a], row[b]));
      long[] r = new long[n];
      double[] y = new double[n];
      double[] m = new double[n];
      double[] l = new double[n];
      for (int i = 0; i < n; i++) {
        int j = order[i];
        r[i] = row[j];
        y[i] = label[j];
        m[i] = margin[j];
        l[i] = lambda[j];
      }
      return new MarginSnapshot(step, r, y, m, l);
    }
  }
}
