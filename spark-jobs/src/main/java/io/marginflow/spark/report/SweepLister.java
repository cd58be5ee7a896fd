package io.marginflow.spark.report;

import io.marginflow.common.format.SweepManifest;
import io.marginflow.spark.store.SweepStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Finds the sweep directories (those with {@code sweep.json}) at a root and one level below. */
public final class SweepLister {

  private SweepLister() {}

  /**
   * One sweep found.
   *
   * @param id its directory name
   * @param manifest its sweep file, or null when unreadable
   * @param error why it could not be read, or null
   */
  public record Entry(String id, SweepManifest manifest, String error) {}

  /** The sweeps at {@code root} and among its children, in name order. */
  public static List<Entry> list(String root, Configuration conf) throws IOException {
    Path dir = RunReader.qualify(root, conf);
    FileSystem fs = dir.getFileSystem(conf);
    List<Entry> out = new ArrayList<>();
    List<Path> candidates = new ArrayList<>(List.of(dir));
    FileStatus[] children = fs.listStatus(dir);
    java.util.Arrays.sort(children);
    for (FileStatus c : children) {
      if (c.isDirectory()) {
        candidates.add(c.getPath());
      }
    }
    for (Path p : candidates) {
      if (fs.exists(new Path(p, SweepStore.SWEEP_FILE))) {
        try {
          out.add(new Entry(p.getName(), SweepStore.open(p.toUri(), conf).read(), null));
        } catch (IOException | RuntimeException e) {
          out.add(new Entry(p.getName(), null, e.getMessage()));
        }
      }
    }
    return out;
  }
}
