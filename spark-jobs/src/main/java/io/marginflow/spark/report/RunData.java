package io.marginflow.spark.report;

import io.marginflow.common.format.Manifest;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.StepRow;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything read from one run directory for a report: the manifest, the metric rows present so far
 * (possibly thinned, see {@link MetricLines}), the status, the checkpoint and snapshot steps, the
 * snapshots loaded for plotting, and the warnings raised while reading.
 *
 * @param label a short name for legends and headings
 * @param uri the run directory
 * @param manifest {@code manifest.json}
 * @param steps rows of {@code metrics/steps.jsonl}
 * @param stepLines number of lines of {@code steps.jsonl} (before thinning)
 * @param evals rows of {@code metrics/eval.jsonl}
 * @param status from {@code status.json}
 * @param latestCheckpoint the step {@code checkpoints/LATEST} points to, if any
 * @param snapshotSteps steps of the {@code margins/step=<K>} folders, ascending
 * @param snapshots the snapshots loaded for plotting (a subset of snapshotSteps)
 * @param lastModified last modification time of the metric files (epoch ms), 0 if unknown
 * @param warnings what was skipped or looked odd while reading
 */
public record RunData(
    String label,
    URI uri,
    Manifest manifest,
    List<StepRow> steps,
    long stepLines,
    List<EvalRow> evals,
    RunStatus status,
    OptionalLong latestCheckpoint,
    List<Long> snapshotSteps,
    List<MarginSnapshot> snapshots,
    long lastModified,
    List<String> warnings) {

  /** Copies the lists; rejects nulls. */
  public RunData {
    if (label == null || uri == null || manifest == null || status == null) {
      throw new IllegalArgumentException("label, uri, manifest and status must not be null");
    }
    steps = List.copyOf(steps);
    evals = List.copyOf(evals);
    snapshotSteps = List.copyOf(snapshotSteps);
    snapshots = List.copyOf(snapshots);
    warnings = List.copyOf(warnings);
  }

  /** The same run under another label. */
  public RunData withLabel(String newLabel) {
    return new RunData(
        newLabel,
        uri,
        manifest,
        steps,
        stepLines,
        evals,
        status,
        latestCheckpoint,
        snapshotSteps,
        snapshots,
        lastModified,
        warnings);
  }

  /** Evaluation rows of one split, in step order. */
  public List<EvalRow> evals(String split) {
    List<EvalRow> out = new ArrayList<>();
    for (EvalRow r : evals) {
      if (r.split().equals(split)) {
        out.add(r);
      }
    }
    return out;
  }

  /** The last train evaluation. */
  public Optional<EvalRow> lastEval(String split) {
    List<EvalRow> rows = evals(split);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(rows.size() - 1));
  }

  /** The homogeneity degree L: from the manifest, else the number of layers of an evaluation. */
  public int degree() {
    Object d = manifest.config().get("degree");
    if (d instanceof Number n) {
      return n.intValue();
    }
    return evals.isEmpty() ? 1 : evals.get(0).layerNorms().length;
  }

  /**
   * Steps completed so far: the largest of the status step, the last logged step + 1 (a step row k
   * records the update k → k+1), the last evaluation and the latest checkpoint.
   */
  public long stepsDone() {
    long done = Math.max(status.step(), 0);
    if (!steps.isEmpty()) {
      done = Math.max(done, steps.get(steps.size() - 1).step() + 1);
    }
    if (!evals.isEmpty()) {
      done = Math.max(done, evals.get(evals.size() - 1).step());
    }
    if (latestCheckpoint.isPresent()) {
      done = Math.max(done, latestCheckpoint.getAsLong());
    }
    return done;
  }

  /** A manifest config value as text, or {@code fallback}. */
  public String config(String key, String fallback) {
    Object v = manifest.config().get(key);
    return v == null || v.toString().isEmpty() ? fallback : v.toString();
  }
}
