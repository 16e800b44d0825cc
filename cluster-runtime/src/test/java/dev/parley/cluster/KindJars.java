package dev.parley.cluster;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Kinds of one's own, built at test time as a user would build them: sources compiled against
 * Parley, then packaged with their services file and reference.conf. Their classes are never on the
 * test's classpath, so a node can only run them through {@code --with}, as a user's node does.
 */
final class KindJars {

  /**
   * The example user project in examples/, its main sources (the roll call and the inventory, their
   * kinds and providers, and MaxGossip) and resources (the services file naming the providers,
   * reference.conf): what its {@code mvn package} puts in its jar.
   */
  static final List<Path> EXAMPLES = List.of(Path.of("../examples/src/main/java"),
      Path.of("../examples/src/main/resources"));

  private KindJars() {}

  /**
   * The trees {@code sources} compiled into the class directory {@code out}: their .java files
   * compiled, their other files copied to where they stand in their tree.
   */
  static Path classes(List<Path> sources, Path out) {
    try {
      List<Path> java = new ArrayList<>();
      for (Path tree : sources) {
        try (Stream<Path> files = Files.walk(tree)) {
          for (Path f : files.filter(Files::isRegularFile).toList()) {
            if (f.toString().endsWith(".java")) {
              java.add(f);
            } else {
              Path copy = out.resolve(tree.relativize(f).toString());
              Files.createDirectories(copy.getParent());
              Files.copy(f, copy);
            }
          }
        }
      }
      compile(java, out);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Files given as text (relative path to content) compiled, or copied, into {@code out}. */
  static Path classes(Map<String, String> files, Path out) {
    try {
      Path sources = Files.createDirectories(out.resolveSibling(out.getFileName() + "-sources"));
      for (Map.Entry<String, String> f : files.entrySet()) {
        Path file = sources.resolve(f.getKey());
        Files.createDirectories(file.getParent());
        Files.writeString(file, f.getValue());
      }
      return classes(List.of(sources), Files.createDirectories(out));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The trees {@code sources} compiled and packaged as the jar {@code jar}. */
  static Path jar(List<Path> sources, Path jar) {
    Path classes = classes(sources, jar.resolveSibling(jar.getFileName() + "-classes"));
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
        Stream<Path> entries = Files.walk(classes)) {
      for (Path f : entries.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, out);
        out.closeEntry();
      }
      return jar;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void compile(List<Path> java, Path out) throws IOException {
    if (java.isEmpty()) {
      return;
    }
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    if (compiler == null) {
      throw new IllegalStateException("these specs compile a kind at test time: run them on a JDK, not a JRE");
    }
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, null)) {
      boolean ok = compiler.getTask(null, files, diagnostics,
          List.of("--release", "17", "-classpath", NodeProcesses.classpath(), "-d", out.toString()), null,
          files.getJavaFileObjectsFromPaths(java)).call();
      if (!ok) {
        throw new IllegalStateException("the kind's sources do not compile: " + diagnostics.getDiagnostics());
      }
    }
  }
}
