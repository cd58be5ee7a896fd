package io.marginflow.service;

import static io.marginflow.service.ServiceProcess.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service with its root on HDFS (a real {@link MiniDFSCluster}, one datanode, in this JVM): a
 * run submitted to it trains into {@code hdfs://…/runs/ID}; its state, metrics (equal to the file's
 * rows read through HDFS), stop with a checkpoint on HDFS, resume, and report all work; the service
 * SIGKILLed and restarted re-attaches to the running run. The service, the launcher and the drivers
 * get the client configuration a one-datanode cluster needs through {@code HADOOP_CONF_DIR}.
 */
class ServiceHdfsIT {

  private static final String RUN =
      "model: mlp:20-8-1\nsteps: 1000000\nbatch: 50\neval-every: 50\ncheckpoint-every: 100\n"
          + "generator-rows: 500\npartitions: 2\n";

  @TempDir static Path tmp;
  static MiniDFSCluster dfs;
  static FileSystem fs;
  static String root;
  static ServiceProcess svc;

  @BeforeAll
  static void start() throws Exception {
    Configuration conf = new Configuration();
    Path base = Files.createDirectories(tmp.resolve("minidfs"));
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
    conf.setInt("dfs.replication", 1);
    conf.set("dfs.client.block.write.replace-datanode-on-failure.policy", "NEVER");
    dfs = new MiniDFSCluster.Builder(conf, base.toFile()).numDataNodes(1).format(true).build();
    dfs.waitActive();
    String uri = dfs.getURI().toString();
    Configuration client = new Configuration(dfs.getConfiguration(0));
    client.set("dfs.client.block.write.replace-datanode-on-failure.policy", "NEVER");
    fs = FileSystem.newInstance(dfs.getURI(), client);
    root = uri + "/runs";
    fs.mkdirs(new org.apache.hadoop.fs.Path(root));
    Path confDir = Files.createDirectories(tmp.resolve("hadoop-conf"));
    Files.writeString(
        confDir.resolve("hdfs-site.xml"),
        "<configuration>\n"
            + "<property><name>dfs.replication</name><value>1</value></property>\n"
            + "<property><name>dfs.client.block.write.replace-datanode-on-failure.policy</name>"
            + "<value>NEVER</value></property>\n"
            + "</configuration>\n",
        StandardCharsets.UTF_8);
    svc =
        new ServiceProcess(
                tmp.resolve("svc"),
                List.of("--max-concurrent", "1"),
                root,
                Map.of("HADOOP_CONF_DIR", confDir.toString()))
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (svc != null) {
        svc.close();
      }
    } finally {
      if (fs != null) {
        fs.close();
      }
      if (dfs != null) {
        dfs.shutdown(true);
      }
    }
  }

  static List<String> hdfsLines(String path) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    if (!fs.exists(p)) {
      return List.of();
    }
    try (FSDataInputStream in = fs.open(p)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<String> out = new ArrayList<>();
      for (String l : text.split("\n", -1)) {
        out.add(l);
      }
      out.remove(out.size() - 1); // the part after the last newline: not a complete row
      return out;
    }
  }

  @Test
  void aRunOnHdfsTrainsStopsResumesAndSurvivesARestartOfTheService() throws Exception {
    HttpResponse<String> r = svc.post("/api/v1/runs", RUN);
    assertEquals(201, r.statusCode(), r.body());
    String id = ServiceProcess.JSON.readTree(r.body()).path("id").asText();
    String dir = root + "/" + id;
    JsonNode running =
        svc.awaitRun(
            id,
            n ->
                n.path("state").asText().equals("running")
                    && n.path("progress").path("step").asLong() > 0
                    && n.path("last_eval").isObject(),
            300,
            "running on HDFS with an evaluation");
    assertEquals(dir, running.path("run_dir").asText());

    // metrics come from the file on HDFS
    HttpResponse<String> m = svc.get("/api/v1/runs/" + id + "/metrics?file=eval&from=0");
    assertEquals(200, m.statusCode(), m.body());
    List<String> served = m.body().lines().toList();
    assertFalse(served.isEmpty());
    List<String> file = hdfsLines(dir + "/metrics/eval.jsonl");
    assertEquals(file.subList(0, served.size()), served);
    JsonNode listed = ServiceProcess.JSON.readTree(svc.get("/api/v1/runs").body());
    assertTrue(listed.toString().contains(dir), listed.toString());

    // SIGKILL the service and start it again: the run is re-attached, still running
    long driver = svc.driverPid(id, 1);
    svc.kill9();
    assertTrue(ProcessHandle.of(driver).map(ProcessHandle::isAlive).orElse(false));
    svc.start();
    assertEquals("running", svc.run(id).path("state").asText(), "right after re-attach");

    // stop: at the next step, with a checkpoint on HDFS
    assertEquals(202, svc.post("/api/v1/runs/" + id + "/stop", "").statusCode());
    JsonNode stopped = svc.awaitRun(id, state("stopped"), 120, "stopped");
    assertEquals("stop-requested", stopped.path("reason").asText());
    long done = stopped.path("summary").path("steps_done").asLong();
    org.apache.hadoop.fs.Path latest = new org.apache.hadoop.fs.Path(dir + "/checkpoints/LATEST");
    assertTrue(fs.exists(latest));
    try (FSDataInputStream in = fs.open(latest)) {
      assertEquals(
          done, Long.parseLong(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip()));
    }
    ProcessHandle.of(driver).ifPresent(h -> h.onExit().join());

    // resume to a new budget; it finishes there
    HttpResponse<String> res =
        svc.post("/api/v1/runs/" + id + "/resume", "{\"steps\": " + (done + 50) + "}");
    assertEquals(202, res.statusCode(), res.body());
    JsonNode fin = svc.awaitRun(id, state("finished"), 300, "resumed and finished");
    assertEquals(done + 50, fin.path("summary").path("steps_done").asLong());
    assertFalse(fs.exists(new org.apache.hadoop.fs.Path(dir + "/STOP")), "the request was cleared");

    HttpResponse<String> report = svc.get("/api/v1/runs/" + id + "/report");
    assertEquals(200, report.statusCode(), report.body());
    assertTrue(report.body().contains("<html") && report.body().contains(id));
    List<String> all = hdfsLines(dir + "/metrics/eval.jsonl");
    HttpResponse<String> mm = svc.get("/api/v1/runs/" + id + "/metrics?file=eval&from=0");
    assertEquals(all, mm.body().lines().toList(), "every row, read through HDFS");
    assertTrue(Files.readString(svc.stateBase.resolve("audit.log")).contains("\tresume\t" + id));
  }
}
