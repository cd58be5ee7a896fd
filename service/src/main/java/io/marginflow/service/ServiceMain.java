package io.marginflow.service;

import io.marginflow.common.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * {@code marginflow serve} (the training service) and its client commands {@code submit}, {@code
 * status}, {@code stop}, {@code resume}. Exit codes: 0 ok, 1 failure or refusal, 2 usage error.
 */
public final class ServiceMain {

  private ServiceMain() {}

  /** Entry point. */
  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs a command; {@code serve} returns only when the server stops. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.println("usage: marginflow serve|submit|status|stop|resume ...");
      return 2;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      if (args[0].equals("serve")) {
        serve(ServeOptions.parse(rest));
        return 0;
      }
      return new ServiceClient(ClientOptions.parse(args[0], rest), out, err).run(args[0]);
    } catch (ConfigException e) {
      err.println("marginflow: " + e.getMessage());
      return 2;
    } catch (IOException | IllegalStateException | IllegalArgumentException e) {
      err.println("marginflow: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /** Starts the service and blocks until the JVM is asked to stop (runs keep running). */
  static void serve(ServeOptions o) throws IOException, InterruptedException {
    Service s = Service.start(o);
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  s.close();
                  done.countDown();
                }));
    done.await();
  }

  /** The running service: server, supervisor and what they share. */
  public record Service(ApiServer server, RunSupervisor supervisor) implements AutoCloseable {

    /** Builds and starts everything from the options. */
    public static Service start(ServeOptions o) throws IOException {
      String token = TokenFile.read(o.tokenFile());
      String ksPassword =
          o.keystorePasswordFile() == null ? null : TokenFile.read(o.keystorePasswordFile());
      Configuration conf = new Configuration();
      if (o.root().startsWith("/")) {
        Files.createDirectories(Path.of(o.root()));
      } else {
        org.apache.hadoop.fs.Path r = new org.apache.hadoop.fs.Path(o.root());
        FileSystem fs = r.getFileSystem(conf);
        fs.mkdirs(r);
      }
      PathPolicy policy = new PathPolicy(o.allowData(), o.root());
      RecordStore store = new RecordStore(o.stateDir());
      AuditLog audit = new AuditLog(o.stateDir().resolve("audit.log"));
      RunSupervisor sup =
          new RunSupervisor(
              store,
              new RunSupervisor.Launch(
                  o.launcher(), o.launcherArgs(), o.master(), o.maxConcurrent()),
              conf,
              audit);
      sup.start();
      MetricRows metrics = new MetricRows(conf);
      ApiServer server =
          new ApiServer(
              new ApiServer.Listen(o.bind(), o.port(), o.maxBodyBytes(), o.keystore(), ksPassword),
              new BearerAuth(token),
              sup,
              new RunViews(sup, policy, metrics, conf),
              metrics,
              policy,
              conf,
              o.master(),
              new MetricStream.Limits(
                  o.maxStreams(),
                  o.streamIdleSeconds() * 1000L,
                  MetricStream.Limits.DEFAULTS.heartbeatMillis(),
                  MetricStream.Limits.DEFAULTS.pollMillis()));
      server.start();
      return new Service(server, sup);
    }

    @Override
    public void close() {
      server.close();
      supervisor.close();
    }
  }
}
