package dev.parley.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The jars and class directories a node is given with {@code --with PATH}: each checked (it exists,
 * and its services file names at least one {@link KindProvider} that offers a kind), then read
 * through one class loader whose parent is Parley's, so the user's classes see Parley's and the
 * node's actor system can read the user's messages.
 */
final class KindPaths {

  /** Where a jar or class directory names its providers. */
  static final String SERVICES = "META-INF/services/" + KindProvider.class.getName();

  private static final String HELP = " (docs/writing-protocols.md, Run it on the cluster)";

  private KindPaths() {}

  /**
   * Parley's kinds and those of {@code paths}; any path that does not exist or holds no kind, a
   * provider that cannot be made, and two kinds of one name are each an error saying which.
   */
  static ProtocolKinds load(List<Path> paths) {
    if (paths.isEmpty()) {
      return ProtocolKinds.load();
    }
    Map<Path, Path> byReal = new LinkedHashMap<>();
    List<URL> urls = new ArrayList<>();
    for (Path path : paths) {
      if (!Files.exists(path)) {
        throw new IllegalArgumentException("--with " + path + " does not exist: give a jar or a directory of"
            + " classes holding protocol kinds" + HELP);
      }
      if (providerNames(path).isEmpty()) {
        throw new IllegalArgumentException("--with " + path + " holds no protocol kind: its " + SERVICES
            + " names no provider class" + HELP);
      }
      if (byReal.putIfAbsent(real(path), path) == null) {
        urls.add(url(path));
      }
    }
    ClassLoader loader = new URLClassLoader("parley-kinds", urls.toArray(URL[]::new),
        ProtocolKinds.class.getClassLoader());
    ProtocolKinds kinds = ProtocolKinds.load(loader, byReal);
    for (Path path : byReal.values()) {
      if (kinds.byOrigin().keySet().stream().noneMatch(o -> o.location().equals(path.toString()))) {
        throw new IllegalArgumentException("--with " + path + " holds no protocol kind: its providers "
            + providerNames(path) + " offer none (or the same classes are on the node's classpath already)");
      }
    }
    return kinds;
  }

  /** The provider class names {@code path}'s services file lists; an error if it has no such file. */
  private static List<String> providerNames(Path path) {
    try {
      if (Files.isDirectory(path)) {
        Path file = path.resolve(SERVICES);
        if (!Files.isRegularFile(file)) {
          throw noServices(path);
        }
        return classNames(Files.readString(file));
      }
      try (JarFile jar = jar(path)) {
        ZipEntry entry = jar.getEntry(SERVICES);
        if (entry == null) {
          throw noServices(path);
        }
        try (InputStream in = jar.getInputStream(entry)) {
          return classNames(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("--with " + path + ": cannot read its " + SERVICES + " (" + e.getMessage()
          + ")", e);
    }
  }

  private static List<String> classNames(String servicesFile) {
    return servicesFile.lines().map(line -> line.replaceAll("#.*", "").trim()).filter(line -> !line.isEmpty())
        .toList();
  }

  private static JarFile jar(Path path) {
    try {
      return new JarFile(path.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("--with " + path + " is neither a directory nor a jar (" + e.getMessage()
          + ")" + HELP, e);
    }
  }

  private static IllegalArgumentException noServices(Path path) {
    return new IllegalArgumentException("--with " + path + " holds no protocol kind: it has no " + SERVICES
        + " naming its KindProvider classes" + HELP);
  }

  private static URL url(Path path) {
    try {
      return path.toAbsolutePath().toUri().toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("--with " + path + " cannot be read as a URL: " + e.getMessage(), e);
    }
  }

  /** {@code path} as the file system resolves it, so the same jar given two ways is one. */
  static Path real(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path.toAbsolutePath().normalize();
    }
  }
}
