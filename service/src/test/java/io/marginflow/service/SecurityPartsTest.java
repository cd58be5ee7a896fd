package io.marginflow.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run ids, the token file's permission check, bearer comparison and the path policy. */
class SecurityPartsTest {

  @TempDir Path tmp;

  @Test
  void runIdsRejectTraversalHiddenAndOddNames() {
    for (String bad :
        new String[] {
          "../x", "..", ".hidden", "_service", "-x", "a/b", "a\\b", "a b", "", "a..b"
        }) {
      ApiException e = assertThrows(ApiException.class, () -> RunIds.requireValid("id", bad), bad);
      assertEquals(400, e.status());
      assertEquals("id", e.key());
    }
    assertEquals("run-1.a_b", RunIds.requireValid("id", "run-1.a_b"));
    String id = RunIds.newId(java.time.Instant.parse("2026-12-06T01:02:03Z"));
    assertTrue(id.startsWith("run-20261206-010203-"), id);
    assertEquals(id, RunIds.requireValid("id", id));
  }

  @Test
  void theTokenFileMustBeOwnerOnly() throws Exception {
    Path f = tmp.resolve("token");
    Files.writeString(f, "0123456789abcdef0123\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TokenFile.read(f));
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw----r--"));
    assertThrows(IllegalStateException.class, () -> TokenFile.read(f));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    assertEquals("0123456789abcdef0123", TokenFile.read(f));
    Files.writeString(f, "short\n");
    assertThrows(IllegalStateException.class, () -> TokenFile.read(f));
    assertThrows(IllegalStateException.class, () -> TokenFile.read(tmp.resolve("missing")));
  }

  @Test
  void bearerAuthAcceptsOnlyTheExactToken() {
    BearerAuth a = new BearerAuth("0123456789abcdef0123");
    assertTrue(a.accepts("Bearer 0123456789abcdef0123"));
    assertTrue(a.accepts("bearer 0123456789abcdef0123"));
    assertFalse(a.accepts("Bearer 0123456789abcdef012"));
    assertFalse(a.accepts("Bearer 0123456789abcdef01234"));
    assertFalse(a.accepts("0123456789abcdef0123"));
    assertFalse(a.accepts("Basic 0123456789abcdef0123"));
    assertFalse(a.accepts(null));
    assertFalse(a.accepts("Bearer "));
  }

  @Test
  void pathPolicyKeepsDataUnderAllowedPrefixesAndRunsUnderTheRoot() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Path root = Files.createDirectories(tmp.resolve("runs"));
    Path outside = Files.createDirectories(tmp.resolve("secret"));
    Files.writeString(outside.resolve("x.svm"), "1 1:1\n");
    Files.createSymbolicLink(data.resolve("link"), outside);
    PathPolicy p = new PathPolicy(java.util.List.of(data.toString()), root.toString());

    p.requireData("data", data.resolve("a.svm").toString());
    p.requireData("data", data.toUri().toString() + "sub/b.svm");
    p.requireData("data", data.resolve("sub/../a.svm").toString());
    for (String bad :
        new String[] {
          outside.resolve("x.svm").toString(),
          data.resolve("../secret/x.svm").toString(),
          data.resolve("link/x.svm").toString(),
          tmp.resolve("data-evil/x").toString(),
          "relative/a.svm",
          "hdfs://nn:8020" + data.resolve("a.svm"),
          "file:/../../etc/passwd"
        }) {
      ApiException e = assertThrows(ApiException.class, () -> p.requireData("data", bad), bad);
      assertEquals("data", e.key());
      assertEquals(400, e.status());
    }
    assertEquals(root.resolve("r1").toUri(), p.requireRunDir("out", root.resolve("r1").toString()));
    assertThrows(ApiException.class, () -> p.requireRunDir("out", root.toString()));
    assertThrows(ApiException.class, () -> p.requireRunDir("out", outside.toString()));
    assertThrows(
        ApiException.class, () -> p.requireRunDir("out", root.resolve("../secret/r").toString()));
    assertEquals(root.resolve("abc").toUri(), p.runDir("abc"));
  }
}
