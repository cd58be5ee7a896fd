package io.marginflow.spark.check;

import io.marginflow.spark.job.InputFiles;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.security.AccessControlException;

/**
 * The run directory of a new run: absent or an empty directory, creatable (its nearest existing
 * ancestor is a writable directory), and not inside an input path. Reads only; creates nothing.
 */
final class OutputCheck {

  private OutputCheck() {}

  static void check(
      URI runDir, String where, List<String> inputs, Configuration conf, List<Problem> problems) {
    try {
      Path dir = new Path(runDir);
      FileSystem fs = dir.getFileSystem(conf);
      if (fs.exists(dir)) {
        FileStatus st = fs.getFileStatus(dir);
        if (!st.isDirectory()) {
          problems.add(new Problem(where, "out: " + runDir + " is a file, not a run directory"));
          return;
        }
        FileStatus[] entries = fs.listStatus(dir);
        if (entries.length > 0) {
          problems.add(
              new Problem(
                  where,
                  "out: "
                      + runDir
                      + " is not empty ("
                      + entries.length
                      + " entries, e.g. "
                      + entries[0].getPath().getName()
                      + "): choose another directory, or continue that run with --resume "
                      + runDir));
          return;
        }
      }
      Path ancestor = dir;
      while (ancestor != null && !fs.exists(ancestor)) {
        ancestor = ancestor.getParent();
      }
      if (ancestor == null) {
        problems.add(new Problem(where, "out: no existing parent directory of " + runDir));
      } else if (!fs.getFileStatus(ancestor).isDirectory()) {
        problems.add(
            new Problem(where, "out: cannot create " + runDir + ": " + ancestor + " is a file"));
      } else if (!writable(fs, ancestor)) {
        problems.add(
            new Problem(
                where, "out: cannot create " + runDir + ": " + ancestor + " is not writable"));
      }
      for (String input : inputs) {
        String in = InputFiles.qualify(input, conf).toString();
        String out = dir.toString();
        if (out.equals(in) || out.startsWith(in.endsWith("/") ? in : in + "/")) {
          problems.add(new Problem(where, "out: " + runDir + " is inside the input " + input));
        }
      }
    } catch (IOException e) {
      problems.add(new Problem(where, "out: cannot check " + runDir + ": " + e.getMessage()));
    }
  }

  private static boolean writable(FileSystem fs, Path dir) throws IOException {
    if (dir.toUri().getScheme().equals("file")) {
      File f = new File(dir.toUri());
      return f.canWrite() && f.canExecute();
    }
    try {
      fs.access(dir, FsAction.WRITE_EXECUTE);
      return true;
    } catch (AccessControlException e) {
      return false;
    }
  }
}
