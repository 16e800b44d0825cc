package dev.parley.cluster;

import akka.actor.BootstrapSetup;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.parley.cluster.http.AccessControl;
import dev.parley.cluster.http.Json;
import dev.parley.cluster.http.NodeApi;
import dev.parley.persistence.DataDirectory;
import dev.parley.persistence.Journal;
import dev.parley.persistence.JournalUnavailableException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running node: its actor system (cluster member, protocol instances), its journal and its HTTP
 * API. {@link #start} checks what can be checked before anything starts (ports free, data
 * directory free, configuration readable) and fails with one clear message otherwise.
 */
public final class Node {

  private final NodeSettings settings;
  private final NodeRuntime runtime;
  private final ActorSystem<Object> system;
  private final AtomicBoolean up = new AtomicBoolean();
  private volatile ServerBinding http;

  private Node(NodeSettings settings, NodeRuntime runtime, ActorSystem<Object> system) {
    this.settings = settings;
    this.runtime = runtime;
    this.system = system;
  }

  /**
   * The node configuration: the project's application.conf (packaged as {@code
   * parley/application.conf}) under -D options; or, given {@code -Dconfig.file=...} or {@code
   * -Dconfig.resource=...}, that file instead (include the project's to keep its settings).
   */
  public static Config defaultConfig() {
    return defaultConfig(Node.class.getClassLoader());
  }

  /** The node configuration with the defaults (reference.conf) of every jar {@code loader} sees. */
  public static Config defaultConfig(ClassLoader loader) {
    if (System.getProperty("config.file") != null || System.getProperty("config.resource") != null) {
      return ConfigFactory.load(loader);
    }
    return ConfigFactory.load(loader, ConfigFactory.parseResources(loader, "parley/application.conf"));
  }

  /** Starts the node on {@code base} configuration (see {@link #defaultConfig()}) with Parley's kinds. */
  public static Node start(NodeSettings settings, Config base) {
    return start(settings, base, Node.class.getClassLoader());
  }

  /**
   * Starts the node on {@code base} configuration with the kinds of {@code loader} (see {@link
   * ProtocolKinds#classLoader()}): its actor system loads classes through it, so the messages of a
   * user's kinds travel between nodes, and its reference.conf files give those kinds' defaults.
   */
  public static Node start(NodeSettings settings, Config base, ClassLoader loader) {
    requireFree(settings.host(), settings.port(), "--port", "cluster");
    requireFree(settings.httpHost(), settings.httpPort(), "--http-port", "HTTP");
    AccessControl access = AccessControl.fromConfig(base);
    DataDirectory data = DataDirectory.lock(settings.dataDir());
    Config config;
    Map<String, KindConfig> kinds;
    int traceCapacity;
    boolean tracing;
    int historyCapacity;
    try {
      Config withKinds = base.withFallback(ConfigFactory.defaultReference(loader));
      config = settings.config(Journal.fromSettings(withKinds, settings.dataDir()).withFallback(withKinds));
      kinds = KindConfig.checked(settings.protocols().values(), config, loader);
      traceCapacity = config.getInt("parley.trace.capacity");
      if (traceCapacity < 1) {
        throw new IllegalArgumentException("parley.trace.capacity must be at least 1, got " + traceCapacity);
      }
      tracing = config.getBoolean("parley.trace.enabled");
      historyCapacity = config.getInt("parley.history.capacity");
      if (historyCapacity < 1) {
        throw new IllegalArgumentException("parley.history.capacity must be at least 1, got " + historyCapacity
            + ": how many of its clients' latest operations a node keeps for GET /history");
      }
    } catch (JournalUnavailableException e) {
      data.close();
      throw e;
    } catch (ConfigException | IllegalArgumentException e) {
      data.close();
      String message = String.valueOf(e.getMessage());
      throw new IllegalArgumentException(message.startsWith("TLS:") ? message : "bad configuration: " + message, e);
    }
    NodeRuntime runtime = new NodeRuntime(settings, access, kinds, traceCapacity, historyCapacity, tracing);
    ActorSystem<Object> system = ActorSystem.create(NodeGuardian.create(runtime), "parley",
        BootstrapSetup.create(config).withClassloader(loader));
    Node node = new Node(settings, runtime, system);
    akka.cluster.Cluster.get(Adapter.toClassic(system)).registerOnMemberUp(() -> {
      node.up.set(true);
      system.log().info("{} is up in the cluster: {}", settings.node(), settings);
    });
    system.getWhenTerminated().thenRun(() -> {
      data.close();
      if (!node.up.get()) {
        System.err.println("parley-node: " + settings.node() + " stopped without joining the"
            + " cluster through the seeds " + settings.seeds() + ": are they running and reachable?"
            + " The first node of a cluster lists itself as its seed.");
      }
    });
    try {
      Journal.prepare(system);
      node.http = Http.get(system).newServerAt(settings.httpHost(), settings.httpPort())
          .bind(access.guard(new NodeApi(runtime, system, Json.mapper()).routes()))
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (JournalUnavailableException e) {
      node.stop();
      throw e;
    } catch (Exception e) {
      node.stop();
      throw new IllegalArgumentException("the HTTP API could not listen on " + settings.httpHost() + ":"
          + settings.httpPort() + ": " + e.getMessage(), e);
    }
    return node;
  }

  public NodeRuntime runtime() {
    return runtime;
  }

  public ActorSystem<Object> system() {
    return system;
  }

  /** Whether the node has become an Up member of the cluster. */
  public boolean isUp() {
    return up.get();
  }

  /** Waits until the node stops; true if it had been up in the cluster. */
  public boolean awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
    return up.get();
  }

  /** Leaves the cluster gracefully and stops. */
  public void stop() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node " + settings.node() + " did not stop within 30 s", e);
    }
  }

  private static void requireFree(String host, int port, String option, String what) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new IllegalArgumentException("the " + what + " port " + host + ":" + port
          + " cannot be used (" + e.getMessage() + "): is another node running there? Choose"
          + " another with " + option);
    }
  }
}
