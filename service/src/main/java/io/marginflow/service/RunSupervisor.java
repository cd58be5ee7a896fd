package io.marginflow.service;

import io.marginflow.common.format.SweepManifest;
import io.marginflow.spark.report.RunLister;
import io.marginflow.spark.report.RunSummary;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the runs the service launches: queues submissions, launches them in order while fewer than
 * {@code --max-concurrent} drivers are active, passes stop requests to the training loop (a {@code
 * STOP} file in the run directory) and queues resumes. Every change is written to the {@link
 * RecordStore} before it takes effect, and states are derived from disk ({@link RunState}), so a
 * restarted supervisor carries on where the old one stopped without touching any running driver.
 */
public final class RunSupervisor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RunSupervisor.class);

  /** The file the training loop looks for (RunDirectoryRecorder.STOP_REQUEST). */
  static final String STOP_FILE = "STOP";

  /**
   * How the supervisor launches drivers.
   *
   * @param launcher the launcher script ({@code deploy/bin/marginflow})
   * @param launcherArgs launcher options put before {@code train} (e.g. {@code --submit})
   * @param master the Spark master every run uses
   * @param maxConcurrent the number of drivers active at once
   */
  public record Launch(Path launcher, List<String> launcherArgs, String master, int maxConcurrent) {
    /** Validates. */
    public Launch {
      if (maxConcurrent < 1) {
        throw new IllegalArgumentException("--max-concurrent: expected ≥ 1, got " + maxConcurrent);
      }
      launcherArgs = List.copyOf(launcherArgs);
    }
  }

  private final RecordStore store;
  private final Launch launch;
  private final Configuration conf;
  private final AuditLog audit;
  private final Map<String, ServiceRecord> records = new LinkedHashMap<>();
  private final Map<String, String> appIds = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, EndedView> endedViews = new java.util.concurrent.ConcurrentHashMap<>();
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "marginflow-supervisor");
            t.setDaemon(true);
            return t;
          });
  private long seq;

  /** A supervisor over {@code store}; call {@link #start()}. */
  public RunSupervisor(RecordStore store, Launch launch, Configuration conf, AuditLog audit) {
    this.store = store;
    this.launch = launch;
    this.conf = conf;
    this.audit = audit;
  }

  /** Loads the records (re-attaching to live drivers) and starts the queue. */
  public synchronized void start() throws IOException {
    for (ServiceRecord r : store.readAll()) {
      records.put(r.id(), r);
      if (r.pending() != null) {
        seq = Math.max(seq, r.pending().seq() + 1);
      }
    }
    LOG.info("re-attached to {} run(s) in {}", records.size(), store.root());
    ticker.scheduleWithFixedDelay(this::tickQuietly, 0, 500, TimeUnit.MILLISECONDS);
  }

  /** Queues a validated submission. */
  public synchronized ServiceRecord submit(RunRequest req, String who) throws IOException {
    return enqueue(req.id(), req.runDir(), req.yaml(), ServiceRecord.RUN, who);
  }

  /** Queues a validated sweep: one Spark application ({@code marginflow sweep}) for its runs. */
  public synchronized ServiceRecord submitSweep(SweepRequest req, String who) throws IOException {
    return enqueue(req.id(), req.sweepDir(), req.yaml(), ServiceRecord.SWEEP, who);
  }

  private ServiceRecord enqueue(String id, URI dir, String yaml, String kind, String who)
      throws IOException {
    if (records.containsKey(id) || exists(dir)) {
      audit.record(who, "submit", id, "refused: exists");
      throw new ApiException(
          409, kind.equals(ServiceRecord.SWEEP) ? "name" : "out", dir + " already exists");
    }
    store.writeConfig(id, yaml);
    Instant now = Instant.now();
    ServiceRecord r =
        new ServiceRecord(
            id,
            dir.toString(),
            now,
            who,
            new ServiceRecord.Pending("train", now, seq++, null),
            null,
            List.of(),
            kind);
    store.write(r);
    records.put(r.id(), r);
    audit.record(who, "submit", r.id(), "queued " + kind + " " + r.runDir());
    tick();
    return records.get(r.id());
  }

  /**
   * Stops a run: a queued launch is withdrawn; a live driver is asked to stop at its next step with
   * a checkpoint. Nothing is deleted.
   */
  public synchronized RunState stop(String id, String who) throws IOException {
    ServiceRecord r = require(id);
    RunState s = state(r);
    if (r.pending() != null) {
      ServiceRecord c =
          r.withCancelled(new ServiceRecord.Cancelled(Instant.now(), "stopped while queued"));
      store.write(c);
      records.put(id, c);
      audit.record(who, "stop", id, "withdrawn from the queue");
      return state(c);
    }
    if (!s.state().active()) {
      audit.record(who, "stop", id, "refused: " + s.state().label());
      throw new ApiException(
          409, "state", "run " + id + " is " + s.state().label() + ", not running");
    }
    store.stopMarker(id, true);
    passStopRequest(r);
    audit.record(who, "stop", id, "stop requested (" + s.state().label() + ")");
    return s;
  }

  /** Queues a new launch of an ended run from its latest checkpoint ({@code steps}: new budget). */
  public synchronized ServiceRecord resume(String id, Long steps, String who) throws IOException {
    ServiceRecord r = require(id);
    RunState s = state(r);
    if (!s.state().ended()) {
      audit.record(who, "resume", id, "refused: " + s.state().label());
      throw new ApiException(
          409, "state", "run " + id + " is " + s.state().label() + ", not ended");
    }
    if (r.sweep()) {
      if (steps != null) {
        throw ApiException.badRequest(
            "steps", "a sweep resumes with the step budgets of its runs; steps is for runs");
      }
      if (SweepState.SweepFile.of(URI.create(r.runDir()), conf).manifest() == null) {
        audit.record(who, "resume", id, "refused: no sweep.json");
        throw new ApiException(409, "state", "sweep " + id + " has no sweep.json to resume");
      }
    } else if (!RunDirView.of(URI.create(r.runDir()), conf).hasCheckpoint()) {
      audit.record(who, "resume", id, "refused: no checkpoint");
      throw new ApiException(409, "state", "run " + id + " has no checkpoint to resume from");
    }
    store.stopMarker(id, false);
    clearStopFile(r);
    ServiceRecord q =
        r.withPending(new ServiceRecord.Pending("resume", Instant.now(), seq++, steps));
    store.write(q);
    records.put(id, q);
    audit.record(who, "resume", id, "queued" + (steps == null ? "" : " with steps=" + steps));
    tick();
    return records.get(id);
  }

  /** The record of {@code id}, if the service launched it. */
  public synchronized Optional<ServiceRecord> record(String id) {
    return Optional.ofNullable(records.get(id));
  }

  /** All records, in submission order. */
  public synchronized List<ServiceRecord> records() {
    return List.copyOf(records.values());
  }

  /** The state of a record now. */
  public RunState state(ServiceRecord r) {
    ServiceRecord.Attempt a = r.lastAttempt();
    Path dir = store.dir(r.id());
    DriverProcess.Observation o =
        a == null
            ? new DriverProcess.Observation(null, null, false, null)
            : DriverProcess.observe(dir, a.n());
    if (r.sweep()) {
      return SweepState.derive(
          r,
          o,
          SweepState.SweepFile.of(URI.create(r.runDir()), conf),
          a == null ? null : DriverProcess.log(dir, a.n()),
          Instant.now());
    }
    RunDirView view = view(r, a, o);
    return RunState.derive(
        r, o, view, a == null ? null : DriverProcess.log(dir, a.n()), Instant.now());
  }

  /**
   * The run directory as {@link RunState} needs it. Once the launch's driver has ended (its exit
   * file is written) the state depends only on {@code status.json}, so the view read then is kept
   * and reused while the file's modification time (one call to the file system instead of about
   * ten) and the launch are unchanged; a live driver's directory is read afresh every time.
   */
  private RunDirView view(ServiceRecord r, ServiceRecord.Attempt a, DriverProcess.Observation o) {
    URI dir = URI.create(r.runDir());
    if (a == null || o.exitCode() == null) {
      endedViews.remove(r.id());
      return RunDirView.of(dir, conf);
    }
    EndedView kept = endedViews.get(r.id());
    if (kept != null
        && kept.attempt() == a.n()
        && kept.view().statusModified() > 0
        && kept.view().statusModified() == RunDirView.statusModified(dir, conf)) {
      return kept.view();
    }
    RunDirView v = RunDirView.of(dir, conf);
    endedViews.put(r.id(), new EndedView(a.n(), v));
    return v;
  }

  /** The run directory view of an ended launch. */
  private record EndedView(int attempt, RunDirView view) {}

  /** The Spark application id of the latest launch, if its driver logged it (kept once found). */
  public Optional<String> applicationId(ServiceRecord r) {
    ServiceRecord.Attempt a = r.lastAttempt();
    if (a == null) {
      return Optional.empty();
    }
    String key = r.id() + "#" + a.n();
    String known = appIds.get(key);
    if (known != null) {
      return Optional.of(known);
    }
    Optional<String> found =
        DriverProcess.applicationId(DriverProcess.log(store.dir(r.id()), a.n()));
    found.ifPresent(v -> appIds.put(key, v));
    return found;
  }

  /** The driver log of launch {@code n} (the latest when {@code n} ≤ 0). */
  public Path log(ServiceRecord r, int n) {
    ServiceRecord.Attempt a = r.lastAttempt();
    int k = n > 0 ? n : a == null ? 1 : a.n();
    return DriverProcess.log(store.dir(r.id()), k);
  }

  private synchronized void tick() {
    for (ServiceRecord r : records.values()) {
      if (store.hasStopMarker(r.id())) {
        passStopRequest(r);
      }
    }
    long active = records.values().stream().filter(this::driverActive).count();
    List<ServiceRecord> queue =
        records.values().stream()
            .filter(r -> r.pending() != null)
            .sorted(Comparator.comparingLong(r -> r.pending().seq()))
            .toList();
    for (ServiceRecord r : queue) {
      if (active >= launch.maxConcurrent()) {
        break;
      }
      try {
        launch(r);
        active++;
      } catch (IOException e) {
        LOG.error("cannot launch {}: {}", r.id(), e.getMessage());
      }
    }
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.error("supervisor tick failed", e);
    }
  }

  /** Whether the latest launch's driver is (or may be about to be) running: local files only. */
  private boolean driverActive(ServiceRecord r) {
    ServiceRecord.Attempt a = r.lastAttempt();
    if (a == null || r.pending() != null) {
      return false;
    }
    DriverProcess.Observation o = DriverProcess.observe(store.dir(r.id()), a.n());
    if (o.exitCode() != null) {
      return false;
    }
    return o.pid() == null
        ? Instant.now().isBefore(a.launchedAt().plus(RunState.START_TIMEOUT))
        : o.alive();
  }

  private void launch(ServiceRecord r) throws IOException {
    ServiceRecord.Pending p = r.pending();
    ServiceRecord.Attempt last = r.lastAttempt();
    int n = last == null ? 1 : last.n() + 1;
    List<String> cmd = new ArrayList<>();
    cmd.add(launch.launcher().toString());
    cmd.addAll(launch.launcherArgs());
    cmd.add(r.sweep() ? "sweep" : "train");
    long stepsAtLaunch = 0;
    if (p.kind().equals("train")) {
      cmd.addAll(List.of("--config", store.dir(r.id()).resolve("config.yaml").toString()));
    } else {
      cmd.addAll(List.of("--resume", r.runDir(), "--master", launch.master()));
      if (p.steps() != null) {
        cmd.addAll(List.of("--steps", Long.toString(p.steps())));
      }
      stepsAtLaunch = r.sweep() ? 0 : stepsDone(r);
    }
    ServiceRecord.Attempt a = new ServiceRecord.Attempt(n, p.kind(), Instant.now(), stepsAtLaunch);
    ServiceRecord launched = r.withAttempt(a);
    store.write(launched);
    records.put(r.id(), launched);
    DriverProcess.launch(
        store.dir(r.id()), n, cmd, Map.of("MARGINFLOW_APP_NAME", "marginflow-" + r.id()));
    LOG.info("launched {} (attempt {}): {}", r.id(), n, cmd);
  }

  private long stepsDone(ServiceRecord r) {
    try {
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(URI.create(r.runDir()));
      RunSummary s = RunLister.summarize(dir.getFileSystem(conf), dir);
      return Math.max(0, s.stepsDone());
    } catch (IOException e) {
      return 0;
    }
  }

  /** Writes the STOP file once the run directory has its manifest (the job created it). */
  private void passStopRequest(ServiceRecord r) {
    if (r.sweep()) {
      passSweepStop(r);
      return;
    }
    try {
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(URI.create(r.runDir()));
      FileSystem fs = dir.getFileSystem(conf);
      if (fs.exists(new org.apache.hadoop.fs.Path(dir, "manifest.json"))) {
        fs.create(new org.apache.hadoop.fs.Path(dir, STOP_FILE), true).close();
        store.stopMarker(r.id(), false);
      }
    } catch (IOException e) {
      LOG.warn("cannot write the stop request of {}: {}", r.id(), e.getMessage());
    }
  }

  /**
   * A sweep's stop request: a STOP file in the sweep directory (runs not started stay pending) and
   * one in each running run's directory (it stops at its next step with a checkpoint). Passed again
   * at every tick while the sweep's driver runs, since runs start while it stops; the marker goes
   * when the driver has ended.
   */
  private void passSweepStop(ServiceRecord r) {
    try {
      SweepState.SweepFile f = SweepState.SweepFile.of(URI.create(r.runDir()), conf);
      if (f.manifest() == null) {
        return;
      }
      org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(URI.create(r.runDir()));
      FileSystem fs = dir.getFileSystem(conf);
      org.apache.hadoop.fs.Path sweepStop = new org.apache.hadoop.fs.Path(dir, STOP_FILE);
      if (!fs.exists(sweepStop)) {
        fs.create(sweepStop, true).close();
      }
      for (SweepManifest.Run run : f.manifest().runs()) {
        org.apache.hadoop.fs.Path rd = new org.apache.hadoop.fs.Path(dir, run.id());
        org.apache.hadoop.fs.Path stop = new org.apache.hadoop.fs.Path(rd, STOP_FILE);
        if (run.status().equals(SweepManifest.RUNNING)
            && fs.exists(new org.apache.hadoop.fs.Path(rd, "manifest.json"))
            && !fs.exists(stop)) {
          fs.create(stop, true).close();
        }
      }
      if (!driverActive(r)) {
        store.stopMarker(r.id(), false);
      }
    } catch (IOException e) {
      LOG.warn("cannot write the stop request of sweep {}: {}", r.id(), e.getMessage());
    }
  }

  /** Removes the STOP request files (control files, not data) before a resume. */
  private void clearStopFile(ServiceRecord r) throws IOException {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(URI.create(r.runDir()));
    FileSystem fs = dir.getFileSystem(conf);
    fs.delete(new org.apache.hadoop.fs.Path(dir, STOP_FILE), false);
    if (r.sweep()) {
      SweepManifest m = SweepState.SweepFile.of(URI.create(r.runDir()), conf).manifest();
      for (SweepManifest.Run run : m == null ? List.<SweepManifest.Run>of() : m.runs()) {
        fs.delete(
            new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(dir, run.id()), STOP_FILE),
            false);
      }
    }
  }

  private boolean exists(URI runDir) throws IOException {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(runDir);
    return dir.getFileSystem(conf).exists(dir);
  }

  private ServiceRecord require(String id) {
    ServiceRecord r = records.get(RunIds.requireValid("id", id));
    if (r == null) {
      throw new ApiException(404, "id", "no run " + id + " launched by this service");
    }
    return r;
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
