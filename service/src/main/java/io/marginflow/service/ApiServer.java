package io.marginflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.marginflow.spark.report.Report;
import io.marginflow.spark.report.RunReader;
import io.marginflow.spark.report.SweepReport;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of {@code marginflow serve} (Javalin on Jetty 12): the JSON API under {@code
 * /api/v1} and the web page at {@code /}. Every API call needs the bearer token; mutating calls
 * also need an {@code X-Requested-By} header (a browser cannot send it cross-site without a CORS
 * preflight, which this server never grants); bodies are read up to a limit (413 past it); ids are
 * validated before any path is built. Errors are {@code {"key": …, "message": …}}.
 */
public final class ApiServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API = "/api/v1";
  private static final String WEB = "/io/marginflow/service/web/";

  /**
   * How the server listens.
   *
   * @param bind the address to bind (127.0.0.1 by default)
   * @param port the port (0: any free one)
   * @param maxBodyBytes the largest request body accepted
   * @param keystore a PKCS#12/JKS keystore for TLS, or null for plain HTTP
   * @param keystorePassword its password (null without TLS)
   */
  public record Listen(
      String bind, int port, long maxBodyBytes, Path keystore, String keystorePassword) {}

  private final Javalin app;
  private final Listen listen;
  private final BearerAuth auth;
  private final RunSupervisor supervisor;
  private final RunViews views;
  private final MetricRows metrics;
  private final PathPolicy policy;
  private final Configuration conf;
  private final String master;
  private final SweepViews sweeps;
  private final MetricStream streams;
  private volatile boolean closing;

  /** A server (not started) over the given parts. */
  public ApiServer(
      Listen listen,
      BearerAuth auth,
      RunSupervisor supervisor,
      RunViews views,
      MetricRows metrics,
      PathPolicy policy,
      Configuration conf,
      String master,
      MetricStream.Limits streamLimits) {
    this.listen = listen;
    this.auth = auth;
    this.supervisor = supervisor;
    this.views = views;
    this.metrics = metrics;
    this.policy = policy;
    this.conf = conf;
    this.master = master;
    this.sweeps = new SweepViews(supervisor, policy, conf);
    this.streams = new MetricStream(metrics, streamLimits);
    this.app = Javalin.create(this::configure);
  }

  /** Starts listening; returns the port. */
  public int start() {
    app.start(listen.bind(), listen.port());
    LOG.info(
        "marginflow serve listening on {}://{}:{}",
        listen.keystore() == null ? "http" : "https",
        listen.bind(),
        app.port());
    return app.port();
  }

  /** The port listened on. */
  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    closing = true;
    app.stop();
  }

  private void configure(JavalinConfig c) {
    c.http.maxRequestSize = listen.maxBodyBytes();
    c.startup.showJavalinBanner = false;
    if (listen.keystore() != null) {
      c.jetty.addConnector(
          (server, httpConfig) -> {
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(listen.keystore().toString());
            ssl.setKeyStorePassword(listen.keystorePassword());
            ServerConnector tls =
                new ServerConnector(
                    server,
                    new SslConnectionFactory(ssl, "http/1.1"),
                    new HttpConnectionFactory(httpConfig));
            tls.setHost(listen.bind());
            tls.setPort(listen.port());
            return tls;
          });
    }
    var r = c.routes;
    r.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.key(), e.getMessage()));
    r.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
          error(ctx, 500, "server", e.getClass().getSimpleName() + ": " + e.getMessage());
        });
    r.error(
        404,
        ctx -> {
          if (!String.valueOf(ctx.res().getContentType()).startsWith("application/json")) {
            error(ctx, 404, "path", "no such endpoint: " + ctx.method() + " " + ctx.path());
          }
        });
    r.before(this::securityHeaders);
    r.before(ApiServer::rejectDotSegments);
    r.before(API + "/*", this::authenticate);
    r.get("/", ctx -> resource(ctx, "index.html", "text/html; charset=utf-8"));
    r.get("/app.js", ctx -> resource(ctx, "app.js", "text/javascript; charset=utf-8"));
    r.get("/app.css", ctx -> resource(ctx, "app.css", "text/css; charset=utf-8"));
    r.get(API + "/runs", this::listRuns);
    r.post(API + "/runs", this::submit);
    r.get(API + "/runs/{id}", ctx -> json(ctx, 200, views.detail(id(ctx))));
    r.get(API + "/runs/{id}/metrics", this::metrics);
    r.get(API + "/runs/{id}/log", this::log);
    r.get(API + "/runs/{id}/report", this::report);
    r.post(API + "/runs/{id}/stop", this::stop);
    r.post(API + "/runs/{id}/resume", this::resume);
    r.post(API + "/sweeps", this::submitSweep);
    r.get(API + "/sweeps", ctx -> json(ctx, 200, sweepList()));
    r.get(API + "/sweeps/{id}", ctx -> json(ctx, 200, sweeps.detail(id(ctx))));
    r.get(API + "/sweeps/{id}/report", this::sweepReport);
    r.post(API + "/sweeps/{id}/stop", ctx -> stop(ctx, requireSweep(id(ctx))));
    r.post(API + "/sweeps/{id}/resume", ctx -> resume(ctx, requireSweep(id(ctx))));
    r.get(
        API + "/sweeps/{id}/runs/{run}",
        ctx -> json(ctx, 200, sweeps.run(id(ctx), ctx.pathParam("run"))));
    r.get(
        API + "/sweeps/{id}/runs/{run}/metrics",
        ctx -> metrics(ctx, sweeps.runDir(id(ctx), ctx.pathParam("run"))));
    r.get(
        API + "/sweeps/{id}/runs/{run}/report",
        ctx -> report(ctx, sweeps.runDir(id(ctx), ctx.pathParam("run"))));
  }

  private String requireSweep(String id) {
    if (supervisor.record(id).filter(ServiceRecord::sweep).isEmpty()) {
      throw new ApiException(404, "id", "no sweep " + id + " launched by this service");
    }
    return id;
  }

  private void submitSweep(Context ctx) throws IOException {
    String body = body(ctx);
    SweepRequest req =
        SweepRequest.parse(
            body, policy, RunIds.newId(Instant.now()).replaceFirst("^run-", "sweep-"), master);
    ServiceRecord r = supervisor.submitSweep(req, who(ctx));
    views.invalidate(r.id());
    ObjectNode o = JSON.createObjectNode();
    o.put("id", r.id());
    o.put("url", API + "/sweeps/" + r.id());
    o.put("runs", req.runs());
    o.put("state", supervisor.state(r).state().label());
    ctx.header("Location", API + "/sweeps/" + r.id());
    json(ctx, 201, o);
  }

  private ArrayNode sweepList() {
    ArrayNode out = JSON.createArrayNode();
    for (ServiceRecord r : supervisor.records()) {
      if (r.sweep()) {
        RunState s = supervisor.state(r);
        out.addObject()
            .put("id", r.id())
            .put("kind", ServiceRecord.SWEEP)
            .put("uri", r.runDir())
            .put("state", s.state().label())
            .put("reason", s.reason())
            .put("submitted_at", r.submittedAt().toString())
            .put("url", API + "/sweeps/" + r.id());
      }
    }
    return out;
  }

  private void sweepReport(Context ctx) throws IOException {
    URI dir = sweeps.dir(id(ctx));
    sweeps.manifest(id(ctx));
    SweepReport rep = SweepReport.of(List.of(dir.toString()), conf, Map.of(), Instant.now());
    html(ctx, rep.html());
  }

  private void securityHeaders(Context ctx) {
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("X-Frame-Options", "DENY");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cache-Control", "no-store");
    ctx.header(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
            + " frame-ancestors 'none'");
  }

  /** A path with {@code .} or {@code ..} segments (sent as-is, or %-encoded) is a 400. */
  private static void rejectDotSegments(Context ctx) {
    String raw = ctx.req().getRequestURI();
    String decoded;
    try {
      decoded = java.net.URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("path", "malformed %-encoding in " + raw);
    }
    for (String seg : decoded.split("/", -1)) {
      if (seg.equals("..") || seg.equals(".") || seg.indexOf('\\') >= 0 || seg.indexOf(0) >= 0) {
        throw ApiException.badRequest("path", "path segments '.' and '..' are not allowed: " + raw);
      }
    }
  }

  private void authenticate(Context ctx) {
    if (!auth.accepts(ctx.header("Authorization"))) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"marginflow\"");
      throw new ApiException(401, "Authorization", "expected Authorization: Bearer <token>");
    }
    if (ctx.method() != HandlerType.GET && ctx.method() != HandlerType.HEAD) {
      String by = ctx.header("X-Requested-By");
      if (by == null || by.isBlank()) {
        throw new ApiException(
            403, "X-Requested-By", "mutating calls need an X-Requested-By header (CSRF guard)");
      }
    }
  }

  private void listRuns(Context ctx) throws IOException {
    int limit = intParam(ctx, "limit", 1000, 0, 100_000);
    int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    String status = ctx.queryParam("status");
    if (status != null
        && !status.isEmpty()
        && !List.of("queued", "starting", "running", "finished", "stopped", "failed", "unreadable")
            .contains(status)) {
      throw ApiException.badRequest(
          "status",
          "expected queued|starting|running|finished|stopped|failed|unreadable, got '"
              + status
              + "'");
    }
    ArrayNode runs = views.list(status, limit, offset);
    json(ctx, 200, runs);
  }

  private void submit(Context ctx) throws IOException {
    String body = body(ctx);
    RunRequest req = RunRequest.parse(body, policy, RunIds.newId(Instant.now()), master);
    ServiceRecord r = supervisor.submit(req, who(ctx));
    views.invalidate(r.id());
    ObjectNode o = JSON.createObjectNode();
    o.put("id", r.id());
    o.put("url", API + "/runs/" + r.id());
    o.put("state", supervisor.state(r).state().label());
    ctx.header("Location", API + "/runs/" + r.id());
    json(ctx, 201, o);
  }

  private void stop(Context ctx) throws IOException {
    stop(ctx, id(ctx));
  }

  private void stop(Context ctx, String id) throws IOException {
    RunState s = supervisor.stop(id, who(ctx));
    views.invalidate(id);
    ObjectNode o = JSON.createObjectNode();
    o.put("id", id);
    o.put("state", s.state().label());
    o.put(
        "message",
        s.state() == RunState.State.STOPPED
            ? "withdrawn from the queue"
            : "stop requested: the run stops at its next step with a checkpoint");
    json(ctx, 202, o);
  }

  private void resume(Context ctx) throws IOException {
    resume(ctx, id(ctx));
  }

  private void resume(Context ctx, String id) throws IOException {
    String body = body(ctx);
    Long steps = null;
    if (!body.isBlank()) {
      JsonNode n;
      try {
        n = JSON.readTree(body);
      } catch (IOException e) {
        throw ApiException.badRequest("body", "expected {} or {\"steps\": N}");
      }
      if (n == null || !n.isObject()) {
        throw ApiException.badRequest("body", "expected {} or {\"steps\": N}");
      }
      var it = n.fieldNames();
      while (it.hasNext()) {
        String k = it.next();
        if (!k.equals("steps")) {
          throw ApiException.badRequest(k, "unknown key '" + k + "' (resume takes: steps)");
        }
      }
      if (n.has("steps")) {
        if (!n.get("steps").canConvertToLong() || n.get("steps").asLong() < 1) {
          throw ApiException.badRequest("steps", "expected an integer ≥ 1, got " + n.get("steps"));
        }
        steps = n.get("steps").asLong();
      }
    }
    ServiceRecord r = supervisor.resume(id, steps, who(ctx));
    views.invalidate(id);
    ObjectNode o = JSON.createObjectNode();
    o.put("id", id);
    o.put("url", API + (r.sweep() ? "/sweeps/" : "/runs/") + id);
    o.put("state", supervisor.state(r).state().label());
    json(ctx, 202, o);
  }

  private void metrics(Context ctx) throws IOException {
    metrics(ctx, runDir(id(ctx)));
  }

  private void metrics(Context ctx, URI dir) throws IOException {
    String file = Optional.ofNullable(ctx.queryParam("file")).orElse("eval");
    long from = longParam(ctx, "from", 0);
    String follow = ctx.queryParam("follow");
    if (follow != null && !follow.equals("false")) {
      if (!follow.equals("true")) {
        throw ApiException.badRequest("follow", "expected true or false, got '" + follow + "'");
      }
      follow(ctx, dir, file, from);
      return;
    }
    int limit = intParam(ctx, "limit", MetricRows.MAX_ROWS, 1, MetricRows.MAX_ROWS);
    MetricRows.Rows rows = metrics.read(dir, file, from, limit);
    ctx.header("X-Marginflow-Next-Row", Long.toString(rows.next()));
    ctx.header("X-Marginflow-Total-Rows", Long.toString(rows.total()));
    StringBuilder b = new StringBuilder();
    for (String l : rows.lines()) {
      b.append(l).append('\n');
    }
    ctx.status(200).contentType("application/x-ndjson; charset=utf-8").result(b.toString());
  }

  /**
   * {@code follow=true}: the rows as server-sent events until the run ends ({@link MetricStream}).
   */
  private void follow(Context ctx, URI dir, String file, long from) throws IOException {
    metrics.read(dir, file, from, 0); // a bad file name or row number is a 400 before streaming
    String id = ctx.pathParamMap().containsKey("run") ? null : ctx.pathParam("id");
    streams.acquire();
    try {
      ctx.status(200);
      ctx.res().setContentType("text/event-stream; charset=utf-8");
      ctx.res().setHeader("X-Accel-Buffering", "no");
      var out = ctx.res().getOutputStream();
      streams.follow(dir, file, from, () -> endedState(id, dir), out, () -> closing);
    } catch (IOException e) {
      LOG.debug("metric stream of {} ended: {}", dir, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      streams.release();
    }
  }

  /** The state label of the run at {@code dir} if it has ended, else null. */
  private String endedState(String id, URI dir) {
    Optional<ServiceRecord> r = id == null ? Optional.empty() : supervisor.record(id);
    if (r.isPresent()) {
      RunState s = supervisor.state(r.get());
      return s.state().ended() ? s.state().label() : null;
    }
    RunDirView v = RunDirView.of(dir, conf);
    return v.status() == null
            || v.status().state() == io.marginflow.spark.report.RunStatus.State.RUNNING
        ? null
        : v.status().state().name().toLowerCase(java.util.Locale.ROOT);
  }

  private void log(Context ctx) throws IOException {
    String id = id(ctx);
    ServiceRecord r =
        supervisor
            .record(id)
            .orElseThrow(() -> new ApiException(404, "id", "no run " + id + " launched here"));
    long from = longParam(ctx, "from", 0);
    int size = intParam(ctx, "size", 1 << 20, 1, 16 << 20);
    int attempt = intParam(ctx, "attempt", 0, 0, 1_000_000);
    LogFile.Chunk c = LogFile.read(supervisor.log(r, attempt), from, size);
    ObjectNode o = JSON.createObjectNode();
    o.put("from", c.from());
    o.put("next", c.next());
    o.put("size", c.size());
    ArrayNode lines = o.putArray("lines");
    c.lines().forEach(lines::add);
    json(ctx, 200, o);
  }

  private void report(Context ctx) throws IOException {
    report(ctx, runDir(id(ctx)));
  }

  private void report(Context ctx, URI dir) throws IOException {
    Report rep = Report.of(List.of(dir.toString()), conf, RunReader.Options.DEFAULTS);
    html(ctx, rep.html());
  }

  private static void html(Context ctx, String html) {
    ctx.header(
        "Content-Security-Policy",
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'");
    ctx.status(200).contentType("text/html; charset=utf-8").result(html);
  }

  private URI runDir(String id) {
    return supervisor.record(id).map(r -> URI.create(r.runDir())).orElse(policy.runDir(id));
  }

  private static String id(Context ctx) {
    return RunIds.requireValid("id", ctx.pathParam("id"));
  }

  private static String who(Context ctx) {
    return ctx.ip() + " (" + ctx.header("X-Requested-By") + ")";
  }

  /** The request body, read up to the limit: 413 past it (also for chunked bodies). */
  private String body(Context ctx) throws IOException {
    long declared = ctx.req().getContentLengthLong();
    if (declared > listen.maxBodyBytes()) {
      throw tooLarge();
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, listen.maxBodyBytes() + 1));
      if (b.length > listen.maxBodyBytes()) {
        throw tooLarge();
      }
      return new String(b, StandardCharsets.UTF_8);
    }
  }

  private ApiException tooLarge() {
    return new ApiException(
        413, "body", "request bodies are limited to " + listen.maxBodyBytes() + " bytes");
  }

  private static int intParam(Context ctx, String name, int dflt, int min, int max) {
    long v = longParam(ctx, name, dflt);
    if (v < min || v > max) {
      throw ApiException.badRequest(name, "expected " + min + ".." + max + ", got " + v);
    }
    return (int) v;
  }

  private static long longParam(Context ctx, String name, long dflt) {
    String s = ctx.queryParam(name);
    if (s == null || s.isEmpty()) {
      return dflt;
    }
    try {
      long v = Long.parseLong(s);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(name, "expected an integer ≥ 0, got '" + s + "'");
    }
  }

  private static void resource(Context ctx, String name, String type) throws IOException {
    try (InputStream in = ApiServer.class.getResourceAsStream(WEB + name)) {
      if (in == null) {
        throw new ApiException(404, "path", "missing resource " + name);
      }
      ctx.status(200).contentType(type).result(in.readAllBytes());
    }
  }

  private static void json(Context ctx, int status, JsonNode body) throws IOException {
    ctx.status(status)
        .contentType("application/json; charset=utf-8")
        .result(JSON.writeValueAsString(body));
  }

  private static void error(Context ctx, int status, String key, String message) {
    ObjectNode o = JSON.createObjectNode();
    o.put("key", key);
    o.put("message", message);
    ctx.status(status).contentType("application/json; charset=utf-8").result(o.toString());
  }
}
