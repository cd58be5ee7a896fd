package io.marginflow.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's own folder on the edge node ({@code --state-dir}): one sub-folder per run under
 * {@code runs/} with {@code record.json} ({@link ServiceRecord}), {@code config.yaml} (the
 * validated submission), the driver files of each launch ({@link DriverProcess}) and an optional
 * {@code stop-requested} marker; {@code audit.log} beside them. Files are replaced atomically
 * (write to a temporary file, then rename), so a service killed mid-write leaves the old version.
 */
public final class RecordStore {

  private static final Logger LOG = LoggerFactory.getLogger(RecordStore.class);

  /** The marker of a stop asked for before the run directory existed. */
  static final String STOP_MARKER = "stop-requested";

  private final Path root;

  /** A store in {@code stateDir} (created if missing, owner-only). */
  public RecordStore(Path stateDir) throws IOException {
    this.root = stateDir;
    Files.createDirectories(stateDir.resolve("runs"));
  }

  /** The state folder. */
  public Path root() {
    return root;
  }

  /** The folder of run {@code id}. */
  public Path dir(String id) {
    return root.resolve("runs").resolve(RunIds.requireValid("id", id));
  }

  /** Writes a record (atomically). */
  public void write(ServiceRecord r) throws IOException {
    Files.createDirectories(dir(r.id()));
    writeAtomically(dir(r.id()).resolve("record.json"), r.toJson());
  }

  /** Writes the run's config file (atomically). */
  public Path writeConfig(String id, String yaml) throws IOException {
    Files.createDirectories(dir(id));
    Path p = dir(id).resolve("config.yaml");
    writeAtomically(p, yaml);
    return p;
  }

  /** Every readable record; unreadable ones are logged and left alone. */
  public List<ServiceRecord> readAll() throws IOException {
    List<ServiceRecord> out = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root.resolve("runs"))) {
      for (Path d : dirs.sorted().toList()) {
        Path f = d.resolve("record.json");
        if (!Files.isRegularFile(f)) {
          continue;
        }
        try {
          out.add(
              ServiceRecord.fromJson(Files.readString(f, StandardCharsets.UTF_8), f.toString()));
        } catch (IllegalArgumentException | IOException e) {
          LOG.warn("skipping {}: {}", f, e.getMessage());
        }
      }
    }
    return out;
  }

  /** Sets or clears the stop marker of run {@code id}. */
  public void stopMarker(String id, boolean set) throws IOException {
    Path p = dir(id).resolve(STOP_MARKER);
    if (set) {
      writeAtomically(p, "stop\n");
    } else {
      Files.deleteIfExists(p);
    }
  }

  /** Whether run {@code id} has a stop marker. */
  public boolean hasStopMarker(String id) {
    return Files.exists(dir(id).resolve(STOP_MARKER));
  }

  static void writeAtomically(Path target, String text) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
