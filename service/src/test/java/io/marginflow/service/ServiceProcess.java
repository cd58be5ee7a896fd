package io.marginflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real {@code marginflow serve} for the integration tests: its own JVM (this JVM's classpath),
 * the real launcher {@code deploy/bin/marginflow} for the runs (local masters), a loopback port, a
 * token file; it can be SIGKILLed and started again on the same root and port. Runs it launched are
 * ended by pid at the end (by {@link #killDrivers()}), never by name.
 */
final class ServiceProcess implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Path REPO = Path.of(System.getProperty("marginflow.root", "..")).toAbsolutePath();

  final Path dir;
  final Path root;
  final Path token;
  final Path dataDir;
  final int port;
  final List<String> extra;
  final String rootUri;
  final Map<String, String> env;
  final Path stateBase;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private Process process;
  private int starts;

  ServiceProcess(Path dir, List<String> extra) throws IOException {
    this(dir, extra, null, Map.of());
  }

  /**
   * A service on another root ({@code rootUri}, e.g. on HDFS; null: {@code dir/runs}), with its
   * state in {@code dir/state} and {@code env} added to its environment (and so its drivers').
   */
  ServiceProcess(Path dir, List<String> extra, String rootUri, Map<String, String> env)
      throws IOException {
    this.dir = dir;
    this.root = Files.createDirectories(dir.resolve("runs"));
    this.rootUri = rootUri;
    this.env = Map.copyOf(env);
    this.stateBase = rootUri == null ? root.resolve("_service") : dir.resolve("state");
    this.dataDir = Files.createDirectories(dir.resolve("data"));
    this.token = dir.resolve("token");
    Files.writeString(token, "it-token-" + Long.toHexString(System.nanoTime()) + "-0123456789\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    try (var s = new java.net.ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
    this.extra = List.copyOf(extra);
  }

  String tokenText() throws IOException {
    return Files.readString(token).strip();
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Starts the service and waits until it answers. */
  ServiceProcess start() throws Exception {
    List<String> cmd = new ArrayList<>(command());
    cmd.addAll(
        List.of(
            "serve",
            "--root",
            rootUri == null ? root.toString() : rootUri,
            "--master",
            "local[2]",
            "--port",
            "" + port,
            "--token-file",
            token.toString(),
            "--allow-data",
            dataDir.toString(),
            "--launcher",
            REPO.resolve("deploy/bin/marginflow").toString(),
            "--max-body",
            "65536"));
    if (rootUri != null) {
      cmd.addAll(List.of("--state-dir", stateBase.toString()));
    }
    cmd.addAll(extra);
    starts++;
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(dir.resolve("serve-" + starts + ".log").toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(env);
    process = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("the service exited:\n" + log());
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return this;
      } catch (IOException e) {
        Thread.sleep(200);
      }
    }
    throw new AssertionError("the service did not listen within 120 s:\n" + log());
  }

  /** The java command running ServiceMain with this JVM's classpath. */
  static List<String> command() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(
        java,
        "-Xmx512m",
        "-Dlog4j2.configurationFile=" + REPO.resolve("deploy/conf/service-log4j2.properties"),
        "-cp",
        System.getProperty("java.class.path"),
        "io.marginflow.service.ServiceMain");
  }

  String log() throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= starts; i++) {
      Path p = dir.resolve("serve-" + i + ".log");
      if (Files.exists(p)) {
        b.append(Files.readString(p));
      }
    }
    return b.toString();
  }

  /** SIGKILL, as a crash or an OOM killer would. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  long pid() {
    return process.pid();
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url() + path))
            .header("Authorization", "Bearer " + tokenText())
            .timeout(Duration.ofSeconds(60))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url() + path))
            .header("Authorization", "Bearer " + tokenText())
            .header("X-Requested-By", "service-it")
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonNode run(String id) throws Exception {
    return getJson("/api/v1/runs/" + id);
  }

  JsonNode sweep(String id) throws Exception {
    return getJson("/api/v1/sweeps/" + id);
  }

  JsonNode getJson(String path) throws Exception {
    HttpResponse<String> r = get(path);
    if (r.statusCode() != 200) {
      throw new AssertionError("GET " + path + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /** Polls the run until {@code want} holds (fails after {@code seconds}, with the service log). */
  JsonNode awaitRun(String id, Predicate<JsonNode> want, int seconds, String what)
      throws Exception {
    return await("/api/v1/runs/", id, want, seconds, what);
  }

  /** Polls the sweep until {@code want} holds (fails after {@code seconds}, with its log). */
  JsonNode awaitSweep(String id, Predicate<JsonNode> want, int seconds, String what)
      throws Exception {
    return await("/api/v1/sweeps/", id, want, seconds, what);
  }

  private JsonNode await(String base, String id, Predicate<JsonNode> want, int seconds, String what)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = getJson(base + id);
      if (want.test(last)) {
        return last;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        id
            + ": "
            + what
            + " not reached in "
            + seconds
            + " s; last: "
            + last
            + "\n"
            + driverLog(id));
  }

  /** Runs a client command ({@code ServiceMain}) against this service: {code, stdout, stderr}. */
  String[] client(String... args) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--server", url(), "--token-file", token.toString()));
    int code =
        ServiceMain.run(
            all.toArray(String[]::new),
            new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
            new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {
      Integer.toString(code),
      out.toString(StandardCharsets.UTF_8),
      err.toString(StandardCharsets.UTF_8)
    };
  }

  static Predicate<JsonNode> state(String s) {
    return n -> s.equals(n.path("state").asText());
  }

  Path stateDir(String id) {
    return stateBase.resolve("runs").resolve(id);
  }

  String driverLog(String id) throws IOException {
    StringBuilder b = new StringBuilder();
    try (var files = Files.list(stateDir(id))) {
      for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
        List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        b.append("--- ").append(p.getFileName()).append('\n');
        lines
            .subList(Math.max(0, lines.size() - 30), lines.size())
            .forEach(l -> b.append(l).append('\n'));
      }
    } catch (IOException e) {
      b.append("(no driver files)");
    }
    return b.toString();
  }

  /** The pid of the latest driver of run {@code id}. */
  long driverPid(String id, int attempt) throws IOException {
    return Long.parseLong(
        Files.readString(stateDir(id).resolve("driver-" + attempt + ".pid")).strip());
  }

  /** Ends every driver the service launched (by pid, from the driver pid files). */
  void killDrivers() throws IOException {
    Path runs = stateBase.resolve("runs");
    if (!Files.isDirectory(runs)) {
      return;
    }
    try (var dirs = Files.list(runs)) {
      for (Path d : dirs.toList()) {
        try (var files = Files.list(d)) {
          for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
            long pid = Long.parseLong(Files.readString(f).strip());
            ProcessHandle.of(pid)
                .ifPresent(
                    h -> {
                      h.descendants().forEach(ProcessHandle::destroyForcibly);
                      h.destroyForcibly();
                    });
          }
        }
      }
    }
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill9();
      }
    }
    killDrivers();
  }
}
