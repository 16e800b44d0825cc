package dev.parley.cluster;

import dev.parley.protocols.core.NodeId;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A cluster of N nodes, each its own JVM running {@link ParleyNode} on loopback ports with its own
 * data directory: started, killed with SIGKILL, restarted on the same ports and data. For multi-JVM
 * specs and benchmarks; {@link #close()} kills every process it started.
 */
public final class NodeProcesses implements AutoCloseable {

  private final Path dataRoot;
  private final Map<NodeId, List<String>> commands = new TreeMap<>();
  private final Map<NodeId, String> artery = new TreeMap<>();
  private final Set<NodeId> startedBefore = new TreeSet<>();
  private final Map<NodeId, NodeClient> clients = new TreeMap<>();
  private final Map<NodeId, String> https = new TreeMap<>();
  private final Map<NodeId, Process> processes = new TreeMap<>();

  /**
   * @param n how many nodes (n1..nN, all seeds)
   * @param dataRoot where each node's data directory and log go
   * @param protocols the {@code --protocol} options, such as {@code kv=raft-kv}
   */
  public NodeProcesses(int n, Path dataRoot, List<String> protocols) {
    this(n, dataRoot, protocols, List.of());
  }

  /**
   * Extra options for every node JVM, from system property {@code parley.node-jvm-options}
   * (space-separated): the specs' build sets a quick-starting JIT and a single-threaded collector,
   * which suit short runs of several JVMs on few cores; a benchmark sets none.
   */
  static final List<String> JVM_OPTIONS =
      Arrays.stream(System.getProperty("parley.node-jvm-options", "").trim().split("\\s+"))
          .filter(o -> !o.isEmpty()).toList();

  /**
   * @param n how many nodes (n1..nN, all seeds)
   * @param dataRoot where each node's data directory and log go
   * @param protocols the {@code --protocol} options, such as {@code roll=roll-call}
   * @param with the {@code --with} options: jars and class directories of kinds of one's own
   */
  public NodeProcesses(int n, Path dataRoot, List<String> protocols, List<Path> with) {
    this(n, dataRoot, protocols, with, List.of());
  }

  /**
   * @param n how many nodes (n1..nN, all seeds)
   * @param dataRoot where each node's data directory and log go
   * @param protocols the {@code --protocol} options, such as {@code kv=raft-kv}
   * @param with the {@code --with} options: jars and class directories of kinds of one's own
   * @param settings {@code -D} settings for every node, such as
   *     {@code parley.kinds.raft-kv.snapshot-interval=20}
   */
  public NodeProcesses(int n, Path dataRoot, List<String> protocols, List<Path> with, List<String> settings) {
    this.dataRoot = dataRoot;
    List<Integer> ports = freePorts(2 * n);
    String java = ProcessHandle.current().info().command().orElse("java");
    String seeds = ports.subList(0, Math.min(n, 3)).stream().map(p -> "127.0.0.1:" + p)
        .collect(Collectors.joining(","));
    String group = IntStream.rangeClosed(1, n).mapToObj(i -> "n" + i)
        .collect(Collectors.joining(","));
    for (int i = 1; i <= n; i++) {
      NodeId node = NodeId.n(i);
      List<String> command = new ArrayList<>(List.of(java, "-Xmx256m"));
      command.addAll(JVM_OPTIONS);
      settings.forEach(d -> command.add("-D" + d));
      command.addAll(List.of("-cp", classpath(), ParleyNode.class.getName(), "--node", node.name(), "--port", "" + ports.get(i - 1),
          "--http-port", "" + ports.get(n + i - 1), "--seeds", seeds, "--group", group,
          "--data-dir", dataRoot.resolve(node.name()).toString()));
      artery.put(node, "127.0.0.1:" + ports.get(i - 1));
      protocols.forEach(p -> command.addAll(List.of("--protocol", p)));
      with.forEach(w -> command.addAll(List.of("--with", w.toAbsolutePath().toString())));
      commands.put(node, command);
      https.put(node, "127.0.0.1:" + ports.get(n + i - 1));
      clients.put(node, new NodeClient(https.get(node)));
    }
  }

  /** The nodes, n1..nN. */
  public List<NodeId> nodes() {
    return List.copyOf(commands.keySet());
  }

  public NodeClient client(NodeId node) {
    return require(clients, node);
  }

  /** Where {@code node}'s HTTP API listens, host:port. */
  public String http(NodeId node) {
    return require(https, node);
  }

  /** Starts every node. */
  public NodeProcesses startAll() {
    commands.keySet().forEach(this::start);
    return this;
  }

  /**
   * Starts {@code node}'s JVM; its output goes to {@code <dataRoot>/<node>.log}. Started again, its
   * seeds are the other nodes only: a restarted first seed would otherwise form a cluster of its own
   * when the others' answers come later than its seed-node timeout.
   */
  public void start(NodeId node) {
    List<String> command = new ArrayList<>(require(commands, node));
    if (!startedBefore.add(node)) {
      int at = command.indexOf("--seeds") + 1;
      command.set(at, artery.entrySet().stream().filter(e -> !e.getKey().equals(node))
          .map(Map.Entry::getValue).collect(Collectors.joining(",")));
    }
    Path log = log(node);
    NodeLog.markStart(log, node.name());
    try {
      processes.put(node, new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + node + ": " + e.getMessage(), e);
    }
  }

  /** SIGKILL: no graceful leave, nothing flushed on the way out; waits until the process is gone. */
  public void kill(NodeId node) {
    Process p = processes.remove(node);
    if (p == null) {
      throw new IllegalStateException(node + " is not running");
    }
    p.destroyForcibly();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(node + " did not die within 30 s of SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * Waits until every running node answers and sees {@code members} members Up, or fails after
   * {@code max} naming the log to read; a node whose JVM exits meanwhile fails it at once, with
   * what its log says.
   */
  public void awaitUp(int members, Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    for (NodeId node : processes.keySet()) {
      while (!upWith(node, members)) {
        Process p = processes.get(node);
        if (!p.isAlive()) {
          throw new IllegalStateException(node + " exited with status " + p.exitValue() + ": "
              + String.join(" / ", NodeLog.reasons(log(node))));
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(node + " did not see " + members + " members Up within " + max
              + "; see " + log(node));
        }
        LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
      }
    }
  }

  /** The process id of {@code node}'s running JVM (for tools that read its CPU time). */
  public long pid(NodeId node) {
    Process p = processes.get(node);
    if (p == null) {
      throw new IllegalStateException(node + " is not running");
    }
    return p.pid();
  }

  /** Where {@code node}'s output goes, appended at each start. */
  public Path log(NodeId node) {
    return dataRoot.resolve(node.name() + ".log");
  }

  private boolean upWith(NodeId node, int members) {
    try {
      NodeClient.Response r = clients.get(node).get("/status");
      return r.ok() && r.body().get("members").findValuesAsText("status").stream()
          .filter("Up"::equals).count() == members;
    } catch (IllegalStateException notYet) {
      return false;
    }
  }

  @Override
  public void close() {
    processes.values().forEach(Process::destroyForcibly);
    processes.values().forEach(p -> p.onExit().join());
    processes.clear();
  }

  private static <V> V require(Map<NodeId, V> map, NodeId node) {
    V v = map.get(node);
    if (v == null) {
      throw new IllegalArgumentException("unknown node " + node + "; the nodes are " + map.keySet());
    }
    return v;
  }

  /** This program's classpath: its class loader's (under {@code mvn exec:java}) or the JVM's. */
  static String classpath() {
    if (Thread.currentThread().getContextClassLoader() instanceof URLClassLoader loader
        && loader.getURLs().length > 0) {
      return Arrays.stream(loader.getURLs()).map(url -> {
        try {
          return Paths.get(url.toURI()).toString();
        } catch (URISyntaxException e) {
          throw new IllegalStateException("a classpath entry that is not a file: " + url, e);
        }
      }).collect(Collectors.joining(File.pathSeparator));
    }
    return System.getProperty("java.class.path");
  }

  static List<Integer> freePorts(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("no free ports: " + e.getMessage(), e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a probe socket: nothing to do
        }
      }
    }
  }
}
