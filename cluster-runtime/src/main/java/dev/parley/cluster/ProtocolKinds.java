package dev.parley.cluster;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The protocol kinds a node can run, by name: every kind of every {@link KindProvider} its class
 * loader sees through {@link ServiceLoader}, each with where it came from. Built once per node from
 * a class loader ({@link #load(ClassLoader)}), or from Parley's plus the user's jars and class
 * directories ({@link #load(List)}). Two kinds with one name are refused, naming both providers.
 */
public final class ProtocolKinds {

  /**
   * Where a kind came from.
   *
   * @param provider the class name of the provider that offered it
   * @param location the jar or class directory holding the provider: a {@code --with} path as
   *     given, or {@link #CLASSPATH} for a provider on the node's own classpath (Parley's kinds)
   */
  public record Origin(String provider, String location) {
    @Override
    public String toString() {
      return provider + (location.equals(CLASSPATH) ? " on " : " in ") + location;
    }
  }

  private record Entry(ProtocolKind kind, Origin origin) {}

  /** The location of providers on the node's own classpath. */
  public static final String CLASSPATH = "the node's classpath";

  private final ClassLoader loader;
  private final Map<String, Entry> kinds;

  private ProtocolKinds(ClassLoader loader, Map<String, Entry> kinds) {
    this.loader = loader;
    this.kinds = kinds;
  }

  /** The kinds of Parley's own class loader: cluster-runtime's and whatever else is on the classpath. */
  public static ProtocolKinds load() {
    return load(ProtocolKinds.class.getClassLoader());
  }

  /**
   * Parley's kinds and those of the jars and class directories {@code paths} (a node's {@code
   * --with}), through one class loader over Parley's: a path that does not exist or holds no kind,
   * a provider that cannot be made, and two kinds of one name are each an error saying which.
   */
  public static ProtocolKinds load(List<Path> paths) {
    return KindPaths.load(paths);
  }

  /** The kinds of every provider {@code loader} sees, each on Parley's classpath. */
  public static ProtocolKinds load(ClassLoader loader) {
    return load(loader, Map.of());
  }

  /**
   * The kinds of every provider {@code loader} sees; a provider whose class comes from one of {@code
   * paths} (real path to the path as given) is said to come from it.
   */
  static ProtocolKinds load(ClassLoader loader, Map<Path, Path> paths) {
    Map<String, Entry> kinds = new TreeMap<>();
    for (ServiceLoader.Provider<KindProvider> p : providers(loader)) {
      Origin origin = new Origin(p.type().getName(), locationOf(p.type(), paths));
      for (ProtocolKind kind : kindsOf(p, origin)) {
        Entry clash = kinds.put(kind.name(), new Entry(kind, origin));
        if (clash != null) {
          throw new IllegalArgumentException("two protocol kinds are named '" + kind.name() + "': one from "
              + clash.origin() + ", one from " + origin + "; rename one of them (its name() and its"
              + " parley.kinds section)");
        }
      }
    }
    return new ProtocolKinds(loader, kinds);
  }

  private static List<ServiceLoader.Provider<KindProvider>> providers(ClassLoader loader) {
    try {
      return ServiceLoader.load(KindProvider.class, loader).stream().toList();
    } catch (ServiceConfigurationError e) {
      throw new IllegalArgumentException("a kind provider cannot be loaded: " + e.getMessage()
          + "; each line of META-INF/services/" + KindProvider.class.getName() + " names a public class"
          + " implementing it, with a public constructor taking no arguments", e);
    }
  }

  private static List<ProtocolKind> kindsOf(ServiceLoader.Provider<KindProvider> p, Origin origin) {
    KindProvider provider;
    try {
      provider = p.get();
    } catch (ServiceConfigurationError e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalArgumentException("the kind provider " + origin + " cannot be made (" + cause
          + "); a provider is a public class with a public constructor taking no arguments that does not fail",
          e);
    }
    List<ProtocolKind> offered;
    try {
      offered = provider.kinds();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the kind provider " + origin + " failed to list its kinds: " + e, e);
    }
    return offered == null ? List.of() : offered;
  }

  private static String locationOf(Class<?> type, Map<Path, Path> paths) {
    CodeSource source = type.getProtectionDomain().getCodeSource();
    URL url = source == null ? null : source.getLocation();
    if (url != null && url.getProtocol().equals("file")) {
      try {
        Path given = paths.get(KindPaths.real(Path.of(url.toURI())));
        if (given != null) {
          return given.toString();
        }
      } catch (URISyntaxException | IllegalArgumentException notAPath) {
        return CLASSPATH;
      }
    }
    return CLASSPATH;
  }

  /** The class loader the kinds came from: the node's actor system uses it to read their messages. */
  public ClassLoader classLoader() {
    return loader;
  }

  /** The kind named {@code name}; an unknown name is an error listing every kind and where it came from. */
  public ProtocolKind named(String name) {
    Entry entry = kinds.get(name);
    if (entry == null) {
      throw new IllegalArgumentException("unknown protocol kind '" + name + "'; the kinds are " + listing()
          + ". `parley-node kinds` lists them; --with PATH adds the kinds of a jar or class directory");
    }
    return entry.kind();
  }

  /** Where kind {@code name} came from. */
  public Origin origin(String name) {
    named(name);
    return kinds.get(name).origin();
  }

  /** Every kind by name, in name order. */
  public Map<String, ProtocolKind> all() {
    Map<String, ProtocolKind> out = new LinkedHashMap<>();
    kinds.forEach((name, entry) -> out.put(name, entry.kind()));
    return out;
  }

  /** The kinds' names by where they came from, in order of origin. */
  public Map<Origin, List<String>> byOrigin() {
    Map<Origin, List<String>> out = new TreeMap<>(Comparator.comparing(Origin::toString));
    kinds.forEach((name, entry) -> out.computeIfAbsent(entry.origin(), o -> new ArrayList<>()).add(name));
    return out;
  }

  /** The kinds grouped by where they came from: "[a, b] from P on L; [c] from Q in M". */
  private String listing() {
    return byOrigin().entrySet().stream().map(e -> e.getValue() + " from " + e.getKey())
        .collect(Collectors.joining("; "));
  }
}
