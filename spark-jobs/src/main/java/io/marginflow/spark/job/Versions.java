package io.marginflow.spark.job;

import io.marginflow.common.format.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.apache.spark.sql.SparkSession;

/** The software versions a run records: marginflow (and its git commit), Spark, Hadoop, Java. */
final class Versions {

  private Versions() {}

  static Manifest.Versions current(SparkSession spark) {
    Properties build = new Properties();
    try (InputStream in = Versions.class.getResourceAsStream("/marginflow-build.properties")) {
      if (in != null) {
        build.load(in);
      }
    } catch (IOException e) {
      // keep "unknown"
    }
    return new Manifest.Versions(
        nonBlank(build.getProperty("version")),
        nonBlank(
            System.getProperty("marginflow.git.commit", System.getenv("MARGINFLOW_GIT_COMMIT"))),
        spark.version(),
        org.apache.hadoop.util.VersionInfo.getVersion(),
        System.getProperty("java.version"));
  }

  private static String nonBlank(String s) {
    return s == null || s.isBlank() || s.startsWith("${") ? "unknown" : s;
  }
}
