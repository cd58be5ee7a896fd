package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The cluster recipes of deploy/conf read as Spark reads them (a properties file: no comment after
 * a value) and hold the settings deploy/README.md promises. The standalone recipe is also the base
 * of the local cluster's spark-defaults.conf, so StandaloneClusterIT runs it for real.
 */
class DeployRecipesTest {

  private static final Path CONF = Scripts.ROOT.resolve("deploy/conf");

  private static Properties load(String name) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(CONF.resolve(name), StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return p;
  }

  @Test
  void everyRecipeIsAPropertiesFileOfSparkSettingsWithoutTrailingComments() throws IOException {
    for (String name : List.of("standalone.conf", "yarn.conf", "kubernetes.conf")) {
      Properties p = load(name);
      assertFalse(p.isEmpty(), name);
      for (String key : p.stringPropertyNames()) {
        String value = p.getProperty(key).strip();
        assertTrue(key.startsWith("spark."), name + ": " + key);
        assertFalse(value.isEmpty(), name + ": " + key + " has no value");
        assertFalse(
            value.contains("#"),
            name + ": " + key + " = '" + value + "' (a comment after a value is part of it)");
      }
      // Settings the launcher owns are not repeated (they would override its Java 17 flags).
      for (String owned :
          List.of(
              "spark.driver.extraJavaOptions",
              "spark.executor.extraJavaOptions",
              "spark.serializer")) {
        assertFalse(p.containsKey(owned), name + " sets " + owned);
      }
      assertEquals(
          "false",
          p.getProperty("spark.dynamicAllocation.enabled"),
          name + ": cached blocks need fixed executors");
      assertEquals(
          "1",
          p.getProperty("spark.executor.cores"),
          name + ": one task (one OpenBLAS thread) per executor core");
    }
  }

  @Test
  void yarnRecipeLeavesRoomForNativeBlasAndDoesNotRetryIntoAnExistingRunDirectory()
      throws IOException {
    Properties p = load("yarn.conf");
    assertTrue(p.containsKey("spark.executor.memoryOverhead"));
    assertEquals("1", p.getProperty("spark.yarn.maxAppAttempts"));
    assertEquals("1", p.getProperty("spark.yarn.appMasterEnv.OPENBLAS_NUM_THREADS"));
  }

  @Test
  void kubernetesRecipeNamesAnImageAndAPodTemplateThatExists() throws IOException {
    Properties p = load("kubernetes.conf");
    assertTrue(p.getProperty("spark.kubernetes.container.image", "").contains("marginflow"));
    for (String key :
        List.of(
            "spark.kubernetes.driver.podTemplateFile",
            "spark.kubernetes.executor.podTemplateFile")) {
      Path template = Scripts.ROOT.resolve(p.getProperty(key));
      assertTrue(Files.isRegularFile(template), key + " = " + template);
      JsonNode pod = new ObjectMapper(new YAMLFactory()).readTree(template.toFile());
      assertEquals("Pod", pod.path("kind").asText());
      JsonNode container = pod.path("spec").path("containers").get(0);
      assertEquals("OPENBLAS_NUM_THREADS", container.path("env").get(0).path("name").asText());
      assertEquals("1", container.path("env").get(0).path("value").asText());
      String volume = pod.path("spec").path("volumes").get(0).path("name").asText();
      assertTrue(
          volume.startsWith("spark-local-dir-"),
          "Spark uses spark-local-dir-* volumes as local dirs: " + volume);
      assertEquals(volume, container.path("volumeMounts").get(0).path("name").asText());
    }
    String dockerfile = Files.readString(CONF.resolve("kubernetes.Dockerfile"));
    assertTrue(
        dockerfile.contains("/opt/marginflow/marginflow-app.jar"),
        "the jar where local:// in the recipe expects it");
    assertTrue(dockerfile.contains("libopenblas0"));
  }
}
