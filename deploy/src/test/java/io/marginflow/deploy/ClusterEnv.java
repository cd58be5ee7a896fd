package io.marginflow.deploy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A cluster of {@code deploy/bin/local-cluster} seen from a test: its state folder and what {@code
 * local-cluster env} printed for it (the exports, by name).
 */
record ClusterEnv(Path state, Map<String, String> exports) {

  ClusterEnv {
    exports = Map.copyOf(exports);
  }

  /** The environment every local-cluster command of a test gets: the state folder. */
  Map<String, String> stateEnv() {
    return Map.of("MARGINFLOW_CLUSTER_DIR", state.toString());
  }

  /** What {@code eval "$(local-cluster env)"} exports, plus the state folder. */
  Map<String, String> submitEnv() {
    Map<String, String> e = new LinkedHashMap<>(exports);
    e.putAll(stateEnv());
    return e;
  }

  /** {@code hdfs://127.0.0.1:<port>}. */
  String hdfs() {
    return exports.get("HDFS");
  }

  URI hdfs(String absolutePath) {
    return URI.create(hdfs() + absolutePath);
  }

  /** Runs {@code local-cluster down} on the state folder; output file {@code name}. */
  Scripts.Result down(String name) {
    return Scripts.run(name, stateEnv(), Duration.ofMinutes(1), "local-cluster", "down");
  }
}
