package dev.parley.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.parley.cluster.tls.KeyMaterial;
import dev.parley.protocols.core.NodeId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Everything a node is told at start: who it is, where it listens, how it finds the cluster, which
 * group it belongs to, which protocol instances it runs, where it keeps its data.
 *
 * @param node this node's id
 * @param host the address it binds and announces (loopback by default; a hostname for multi-host)
 * @param port the Artery (cluster) port
 * @param httpPort the HTTP API port (on {@code httpHost})
 * @param seeds the seed nodes as {@code host:port}; a node that lists itself starts a cluster
 * @param group the members of the closed group its protocols run in (this node included)
 * @param protocols instance name to kind, such as {@code causal -> causal-multicast}
 * @param dataDir where the journal lives
 * @param seed the seed of its random (fault plans, protocol randomness)
 * @param httpHost the address the HTTP API binds (loopback by default, whatever {@code host} is)
 * @param tlsDir the cluster's key material ({@link KeyMaterial}) for TLS between nodes, or null for
 *     plain TCP unless the configuration's {@code parley.tls.dir} names one
 */
public record NodeSettings(
    NodeId node,
    String host,
    int port,
    int httpPort,
    List<String> seeds,
    List<NodeId> group,
    Map<String, ProtocolKind> protocols,
    Path dataDir,
    long seed,
    String httpHost,
    Path tlsDir) {

  /** The cluster role that tells every member which {@link NodeId} a member address is. */
  public static final String ROLE_PREFIX = "parley-node-";

  /** The cluster role that tells every member where a member's HTTP API listens. */
  public static final String HTTP_ROLE_PREFIX = "parley-http-";

  /** The HTTP API's default address: loopback, so that {@code --host} does not expose it. */
  public static final String DEFAULT_HTTP_HOST = "127.0.0.1";

  /** Settings with the HTTP API on loopback and plain TCP between nodes (unless configured). */
  public NodeSettings(NodeId node, String host, int port, int httpPort, List<String> seeds,
      List<NodeId> group, Map<String, ProtocolKind> protocols, Path dataDir, long seed) {
    this(node, host, port, httpPort, seeds, group, protocols, dataDir, seed, DEFAULT_HTTP_HOST, null);
  }

  public NodeSettings {
    if (httpHost == null || httpHost.isBlank()) {
      throw new IllegalArgumentException("--http-host must be an address, such as 127.0.0.1");
    }
    requirePort("--port", port);
    requirePort("--http-port", httpPort);
    if (port == httpPort) {
      throw new IllegalArgumentException("--port and --http-port must differ, both are " + port);
    }
    if (!group.contains(node)) {
      throw new IllegalArgumentException("the group " + group + " must include this node " + node);
    }
    for (String s : seeds) {
      parseSeed(s);
    }
    seeds = List.copyOf(seeds);
    group = List.copyOf(group);
    protocols = Map.copyOf(protocols);
  }

  private static void requirePort(String option, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(option + " must be a port between 1 and 65535, got " + port);
    }
  }

  /** {@code host:port} as an Akka address string; anything else is an error saying the format. */
  static String parseSeed(String seed) {
    int colon = seed.lastIndexOf(':');
    if (colon <= 0 || colon == seed.length() - 1) {
      throw new IllegalArgumentException("a seed is host:port, such as 127.0.0.1:2551, got '" + seed + "'");
    }
    try {
      int p = Integer.parseInt(seed.substring(colon + 1));
      requirePort("a seed's port", p);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("a seed is host:port, such as 127.0.0.1:2551, got '" + seed + "'");
    }
    return "akka://parley@" + seed;
  }

  /** {@code name=kind} pairs (or a bare kind, named after itself) as instances of {@code kinds}. */
  public static Map<String, ProtocolKind> parseProtocols(List<String> specs, ProtocolKinds kinds) {
    Map<String, ProtocolKind> out = new LinkedHashMap<>();
    for (String spec : specs) {
      String[] parts = spec.split("=", 2);
      String name = parts[0].trim();
      String kind = parts.length == 2 ? parts[1].trim() : name;
      if (!name.matches("[a-z0-9-]{1,40}")) {
        throw new IllegalArgumentException("a protocol instance name is 1 to 40 of a-z, 0-9 and '-', got '"
            + name + "' in --protocol " + spec);
      }
      if (out.put(name, kinds.named(kind)) != null) {
        throw new IllegalArgumentException("protocol instance '" + name + "' is given twice");
      }
    }
    return out;
  }

  /** Where other nodes and clients reach the HTTP API: its host, or {@code host} if it binds every address. */
  public String httpAddress() {
    String reachable = httpHost.equals("0.0.0.0") || httpHost.equals("::") ? host : httpHost;
    return reachable + ":" + httpPort;
  }

  /** The key material the node uses for TLS: {@code tlsDir}, else {@code parley.tls.dir} if set. */
  public Path tls(Config base) {
    if (tlsDir != null) {
      return tlsDir;
    }
    return base.hasPath("parley.tls.dir") && !base.getString("parley.tls.dir").isBlank()
        ? Path.of(base.getString("parley.tls.dir")) : null;
  }

  /**
   * The node's configuration: these settings over {@code base} (application.conf and -D options),
   * with TLS between nodes when {@link #tls} names key material (checked here: missing or unreadable
   * material is an error saying what to do).
   */
  public Config config(Config base) {
    List<String> seedAddresses = new ArrayList<>();
    seeds.forEach(s -> seedAddresses.add(parseSeed(s)));
    Path tls = tls(base);
    Config transport = tls == null ? ConfigFactory.empty() : KeyMaterial.arteryConfig(tls);
    return transport
        .withValue("akka.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
        .withValue("akka.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
        .withValue("akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(seedAddresses))
        .withValue("akka.cluster.roles", ConfigValueFactory.fromIterable(
            List.of(ROLE_PREFIX + node, HTTP_ROLE_PREFIX + httpAddress())))
        .withFallback(base);
  }

  @Override
  public String toString() {
    return node + " at " + host + ":" + port + (tlsDir == null ? "" : " (tls " + tlsDir + ")")
        + " (http " + httpHost + ":" + httpPort + "), group " + group
        + ", seeds " + seeds + ", protocols " + protocols.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue().name()).collect(Collectors.joining(", "))
        + ", data " + dataDir;
  }
}
