package io.marginflow.service;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a submitted config may read and write: data files only under the {@code --allow-data}
 * prefixes, run directories only under {@code --root}. Values are compared as normalized URIs
 * (scheme, authority, then whole path segments); local paths must be absolute and are compared
 * after resolving symbolic links (of the longest existing ancestor), so {@code ..} and links cannot
 * lead outside. A value that cannot be read as a URI or path is refused.
 */
public final class PathPolicy {

  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

  private final List<URI> dataPrefixes;
  private final URI root;

  /** A policy for the given data prefixes and run root (URIs or absolute local paths). */
  public PathPolicy(List<String> dataPrefixes, String root) {
    List<URI> d = new ArrayList<>();
    for (String p : dataPrefixes) {
      d.add(canonical("--allow-data", p));
    }
    this.dataPrefixes = List.copyOf(d);
    this.root = canonical("--root", root);
  }

  /** The canonical run root. */
  public URI root() {
    return root;
  }

  /** Refuses (400 naming {@code key}) a data location outside every {@code --allow-data} prefix. */
  public URI requireData(String key, String value) {
    URI u = canonical(key, value);
    for (URI p : dataPrefixes) {
      if (within(u, p)) {
        return u;
      }
    }
    throw ApiException.badRequest(
        key,
        "'"
            + value
            + "' lies outside the data the service may read (--allow-data "
            + (dataPrefixes.isEmpty() ? "not given: no data files allowed" : dataPrefixes)
            + ")");
  }

  /** Refuses (400 naming {@code key}) a run directory that is not a child of the root. */
  public URI requireRunDir(String key, String value) {
    URI u = canonical(key, value);
    if (!within(u, root) || u.getPath().equals(root.getPath())) {
      throw ApiException.badRequest(
          key, "'" + value + "' is not a directory under the service root " + root);
    }
    return u;
  }

  /** The directory of run {@code id} under the root. */
  public URI runDir(String id) {
    String base = root.toString();
    return URI.create(base.endsWith("/") ? base + id : base + "/" + id);
  }

  /** Whether {@code u} is {@code prefix} or lies below it (whole segments). */
  static boolean within(URI u, URI prefix) {
    if (!eq(u.getScheme(), prefix.getScheme()) || !eq(u.getAuthority(), prefix.getAuthority())) {
      return false;
    }
    String p = prefix.getPath();
    String v = u.getPath();
    if (p == null || v == null) {
      return false;
    }
    String dir = p.endsWith("/") ? p : p + "/";
    return v.equals(p) || v.startsWith(dir);
  }

  private static boolean eq(String a, String b) {
    return a == null
        ? b == null
        : b != null && a.toLowerCase(Locale.ROOT).equals(b.toLowerCase(Locale.ROOT));
  }

  /** The normalized URI of a value (a URI, or an absolute local path with links resolved). */
  static URI canonical(String key, String value) {
    String v = value == null ? "" : value.trim();
    if (v.isEmpty()) {
      throw ApiException.badRequest(key, "expected a path or URI, got an empty value");
    }
    URI u;
    try {
      if (SCHEME.matcher(v).matches()) {
        u = new URI(v).normalize();
        if (u.getPath() == null || !u.getPath().startsWith("/")) {
          throw ApiException.badRequest(key, "expected an absolute URI, got '" + value + "'");
        }
      } else {
        Path p = Path.of(v);
        if (!p.isAbsolute()) {
          throw ApiException.badRequest(key, "expected an absolute path, got '" + value + "'");
        }
        u = p.toUri().normalize();
      }
    } catch (URISyntaxException | java.nio.file.InvalidPathException e) {
      throw ApiException.badRequest(key, "not a path or URI: '" + value + "'");
    }
    if (u.getPath().contains("/../") || u.getPath().endsWith("/..")) {
      throw ApiException.badRequest(key, "'" + value + "' climbs above the file system root");
    }
    if ("file".equalsIgnoreCase(u.getScheme())) {
      return resolveLinks(Path.of(u)).toUri();
    }
    return u;
  }

  /** The real path of {@code p}: links in its longest existing ancestor resolved. */
  private static Path resolveLinks(Path p) {
    Path existing = p;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return p;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(p)).normalize();
    } catch (IOException e) {
      return p;
    }
  }
}
