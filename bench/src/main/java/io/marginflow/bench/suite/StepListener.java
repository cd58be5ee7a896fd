package io.marginflow.bench.suite;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Records, for every Spark job whose description starts with "marginflow step" (one per SGD step),
 * the job's duration and the longest task's duration, executor run time and deserialization time.
 */
public final class StepListener extends SparkListener {

  /** One step job: times in ms. */
  public static final class Job {
    long start;
    long end;
    double maxTaskMs;
    double maxRunMs;
    double maxDeserializeMs;

    double durationMs() {
      return end - start;
    }
  }

  private final Map<Integer, Job> byJob = new HashMap<>();
  private final Map<Integer, Job> byStage = new HashMap<>();
  private final List<Job> jobs = new ArrayList<>();

  @Override
  public synchronized void onJobStart(SparkListenerJobStart e) {
    String d = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
    if (d == null || !d.startsWith("marginflow step")) {
      return;
    }
    Job j = new Job();
    j.start = e.time();
    byJob.put(e.jobId(), j);
    jobs.add(j);
    scala.collection.Iterator<Object> it = e.stageIds().iterator();
    while (it.hasNext()) {
      byStage.put((Integer) it.next(), j);
    }
  }

  @Override
  public synchronized void onJobEnd(SparkListenerJobEnd e) {
    Job j = byJob.remove(e.jobId());
    if (j != null) {
      j.end = e.time();
    }
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
    Job j = byStage.get(e.stageId());
    if (j == null || e.taskMetrics() == null) {
      return;
    }
    j.maxTaskMs = Math.max(j.maxTaskMs, e.taskInfo().duration());
    j.maxRunMs = Math.max(j.maxRunMs, e.taskMetrics().executorRunTime());
    j.maxDeserializeMs = Math.max(j.maxDeserializeMs, e.taskMetrics().executorDeserializeTime());
  }

  /** The completed step jobs so far, and forgets them. */
  public synchronized List<Job> drain() {
    List<Job> done = new ArrayList<>();
    for (Job j : jobs) {
      if (j.end > 0) {
        done.add(j);
      }
    }
    jobs.clear();
    byJob.clear();
    byStage.clear();
    return done;
  }
}
