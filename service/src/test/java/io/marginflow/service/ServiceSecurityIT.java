package io.marginflow.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile requests against a real service over loopback: no or wrong token, no CSRF header, huge
 * bodies (declared and chunked), path traversal in ids, configs reaching outside the allowed data
 * or the root, a cross-site preflight; and a token file others may read stops the service from
 * starting. None of them may launch anything or leave a run behind; each is in the audit log only
 * if it reached the submit, stop or resume logic.
 */
class ServiceSecurityIT {

  @TempDir static Path tmp;
  static ServiceProcess svc;

  @BeforeAll
  static void start() throws Exception {
    svc = new ServiceProcess(tmp.resolve("svc"), List.of()).start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (svc != null) {
      svc.close();
    }
  }

  /** Sends {@code request} as raw bytes; returns the status code and the body. */
  static String[] raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", svc.port)) {
      s.setSoTimeout(30_000);
      OutputStream o = s.getOutputStream();
      o.write(request.getBytes(StandardCharsets.UTF_8));
      o.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      try {
        while ((n = in.read(buf)) > 0) {
          b.write(buf, 0, n);
        }
      } catch (java.net.SocketException e) {
        // the server may close after answering a body it refuses to read
      }
      String text = b.toString(StandardCharsets.UTF_8);
      String status = text.isEmpty() ? "none" : text.split(" ", 3)[1];
      int bodyAt = text.indexOf("\r\n\r\n");
      return new String[] {status, bodyAt < 0 ? "" : text.substring(bodyAt + 4), text};
    }
  }

  private static String auth() throws Exception {
    return "Authorization: Bearer " + svc.tokenText() + "\r\n";
  }

  private static void assertError(int status, String key, HttpResponse<String> r) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    JsonNode n = ServiceProcess.JSON.readTree(r.body());
    assertEquals(key, n.path("key").asText(), r.body());
    assertFalse(n.path("message").asText().isEmpty());
  }

  @Test
  void withoutTheTokenEverythingUnderTheApiIs401() throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    for (String auth :
        new String[] {null, "Bearer wrong-token-0123456789", "Basic eDp5", "Bearer "}) {
      for (String path : new String[] {"/api/v1/runs", "/api/v1/runs/x", "/api/v1/nothing"}) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(svc.url() + path));
        if (auth != null) {
          b.header("Authorization", auth);
        }
        HttpResponse<String> r = c.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
        assertError(401, "Authorization", r);
        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
      }
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(svc.url() + "/api/v1/runs"))
              .header("X-Requested-By", "x");
      if (auth != null) {
        b.header("Authorization", auth);
      }
      HttpResponse<String> r =
          c.send(
              b.POST(HttpRequest.BodyPublishers.ofString("steps: 10\n")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertError(401, "Authorization", r);
    }
    // the page itself needs no token (it holds no data) and sends no CORS grant
    HttpResponse<String> page =
        c.send(
            HttpRequest.newBuilder(URI.create(svc.url() + "/")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("marginflow"));
    assertTrue(page.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
    assertNoRunsLaunched();
  }

  @Test
  void mutatingCallsNeedTheCsrfHeaderAndCrossSitePreflightsGetNoGrant() throws Exception {
    HttpClient c = HttpClient.newHttpClient();
    for (String path :
        new String[] {"/api/v1/runs", "/api/v1/runs/x/stop", "/api/v1/runs/x/resume"}) {
      HttpResponse<String> r =
          c.send(
              HttpRequest.newBuilder(URI.create(svc.url() + path))
                  .header("Authorization", "Bearer " + svc.tokenText())
                  .POST(HttpRequest.BodyPublishers.ofString("steps: 10\n"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertError(403, "X-Requested-By", r);
    }
    String[] pre =
        raw(
            "OPTIONS /api/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
                + "Access-Control-Request-Method: POST\r\n"
                + "Access-Control-Request-Headers: authorization,x-requested-by\r\n"
                + "Connection: close\r\n\r\n");
    assertFalse(
        pre[2].toLowerCase(java.util.Locale.ROOT).contains("access-control-allow-origin"), pre[2]);
    assertNoRunsLaunched();
  }

  @Test
  void bodiesOverTheLimitAre413() throws Exception {
    String big = "steps: 10\n# " + "x".repeat(70_000) + "\n";
    String[] declared =
        raw(
            "POST /api/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + auth()
                + "X-Requested-By: it\r\nContent-Type: application/yaml\r\nContent-Length: "
                + big.length()
                + "\r\nConnection: close\r\n\r\n"
                + big);
    assertEquals("413", declared[0], declared[1]);
    StringBuilder chunked = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      String part = "# " + "y".repeat(5000) + "\n";
      chunked.append(Integer.toHexString(part.length())).append("\r\n").append(part).append("\r\n");
    }
    chunked.append("0\r\n\r\n");
    String[] streamed =
        raw(
            "POST /api/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + auth()
                + "X-Requested-By: it\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + chunked);
    assertEquals("413", streamed[0], streamed[1]);
    assertNoRunsLaunched();
  }

  @Test
  void pathTraversalInIdsIs400() throws Exception {
    for (String path :
        new String[] {
          "/api/v1/runs/../x",
          "/api/v1/runs/..%2Fx",
          "/api/v1/runs/%2e%2e",
          "/api/v1/runs/%2E%2E/metrics",
          "/api/v1/runs/..%2F..%2Fetc%2Fpasswd/log",
          "/api/v1/runs/.hidden",
          "/api/v1/runs/_service/log",
          "/api/v1/runs/a%5Cb",
          "/api/v1/runs/../../_service/runs/x/report"
        }) {
      String[] r =
          raw(
              "GET "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + auth()
                  + "Connection: close\r\n\r\n");
      assertEquals("400", r[0], path + " → " + r[1]);
    }
    for (String path : new String[] {"/api/v1/runs/../x/stop", "/api/v1/runs/..%2Fx/resume"}) {
      String[] r =
          raw(
              "POST "
                  + path
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + auth()
                  + "X-Requested-By: it\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      assertEquals("400", r[0], path + " → " + r[1]);
    }
    assertError(400, "file", svc.get("/api/v1/runs/x/metrics?file=../../etc/passwd"));
    assertError(400, "from", svc.get("/api/v1/runs/x/metrics?file=eval&from=-1"));
    assertError(400, "status", svc.get("/api/v1/runs?status=everything"));
  }

  @Test
  void configsReachingOutsideTheAllowedPathsAreRefusedNamingTheKey() throws Exception {
    Path secret = Files.createDirectories(tmp.resolve("secret"));
    Files.writeString(secret.resolve("a.svm"), "1 1:1\n");
    Files.createSymbolicLink(svc.dataDir.resolve("escape"), secret);
    String[][] cases = {
      {"data: /etc/passwd\n", "data"},
      {"data: " + svc.dataDir.resolve("../secret/a.svm") + "\n", "data"},
      {"data: " + svc.dataDir.resolve("escape/a.svm") + "\n", "data"},
      {"data: file:///etc/shadow\n", "data"},
      {"data: hdfs://evil:8020/x\n", "data"},
      {"test-data: /root/.ssh/id_rsa\n", "test-data"},
      {"init: /etc/passwd\n", "init"},
      {"out: /tmp/anywhere\n", "out"},
      {"out: " + svc.root.resolve("../x") + "\n", "out"},
      {"out: " + svc.root.resolve("_service") + "\n", "out"},
      {"resume: " + svc.root.resolve("r") + "\n", "resume"},
      {"master: spark://evil:7077\n", "master"},
      {"{\"steps\": -5}", "steps"},
      {"model: mlp:20-bad\n", "model"},
      {"nope: 1\n", "nope"},
      {"- a\n- b\n", "body"},
      {"\"unterminated\n", "body"}
    };
    for (String[] c : cases) {
      HttpResponse<String> r = svc.post("/api/v1/runs", c[0]);
      assertEquals(400, r.statusCode(), c[0] + " → " + r.body());
      assertError(400, c[1], r);
    }
    assertNoRunsLaunched();
    Path audit = svc.root.resolve("_service/audit.log");
    assertTrue(
        !Files.exists(audit) || !Files.readString(audit).contains("\tsubmit\t"),
        "refused configs never reach the submit logic");
  }

  @Test
  void tlsFromAKeystore() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("tls"));
    Path ks = dir.resolve("keystore.p12");
    String password = "keystore-password-0123456789";
    Path pass = Files.writeString(dir.resolve("keystore.pass"), password + "\n");
    Files.setPosixFilePermissions(pass, PosixFilePermissions.fromString("rw-------"));
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "marginflow",
                "-keyalg",
                "EC",
                "-storetype",
                "PKCS12",
                "-keystore",
                ks.toString(),
                "-storepass",
                password,
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2")
            .redirectErrorStream(true)
            .start();
    assertTrue(keytool.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, keytool.exitValue(), new String(keytool.getInputStream().readAllBytes()));
    try (ServiceProcess tls =
        new ServiceProcess(
                dir.resolve("svc"),
                List.of("--keystore", ks.toString(), "--keystore-password-file", pass.toString()))
            .start()) {
      java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
      try (var in = Files.newInputStream(ks)) {
        trust.load(in, password.toCharArray());
      }
      var tmf =
          javax.net.ssl.TrustManagerFactory.getInstance(
              javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      var ssl = javax.net.ssl.SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      HttpClient c = HttpClient.newBuilder().sslContext(ssl).build();
      String base = "https://127.0.0.1:" + tls.port + "/api/v1/runs";
      HttpResponse<String> ok =
          c.send(
              HttpRequest.newBuilder(URI.create(base))
                  .header("Authorization", "Bearer " + tls.tokenText())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ok.statusCode(), ok.body());
      assertEquals("[]", ok.body());
      HttpResponse<String> no =
          c.send(
              HttpRequest.newBuilder(URI.create(base)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, no.statusCode());
      // plain HTTP on the TLS port gets no API answer
      String[] plain;
      try (Socket s = new Socket("127.0.0.1", tls.port)) {
        s.setSoTimeout(10_000);
        s.getOutputStream()
            .write(
                ("GET /api/v1/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + tls.tokenText()
                        + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        plain = new String[] {answer};
      } catch (java.io.IOException e) {
        plain = new String[] {""};
      }
      assertFalse(plain[0].contains("[]"), "no plain-HTTP answer: " + plain[0]);
    }
  }

  @Test
  void aTokenFileOthersMayReadStopsTheServiceFromStarting() throws Exception {
    Path t = tmp.resolve("open-token");
    Files.writeString(t, "0123456789abcdef0123456789\n");
    Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
    List<String> cmd = new ArrayList<>(ServiceProcess.command());
    cmd.addAll(
        List.of(
            "serve",
            "--root",
            tmp.resolve("r2").toString(),
            "--master",
            "local[1]",
            "--port",
            "0",
            "--token-file",
            t.toString(),
            "--launcher",
            ServiceProcess.REPO.resolve("deploy/bin/marginflow").toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the service must refuse to start");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(1, p.exitValue(), out);
    assertTrue(out.contains("chmod 600"), out);
  }

  private static void assertNoRunsLaunched() throws Exception {
    HttpResponse<String> r = svc.get("/api/v1/runs");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals(0, ServiceProcess.JSON.readTree(r.body()).size(), r.body());
    Path runs = svc.root.resolve("_service/runs");
    try (var s = Files.list(runs)) {
      assertEquals(0, s.count(), "no service record");
    }
    try (var s = Files.list(svc.root)) {
      assertEquals(List.of("_service"), s.map(p -> p.getFileName().toString()).toList());
    }
  }
}
