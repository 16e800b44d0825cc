package dev.parley.bench;

import dev.parley.protocols.naming.OverlaySearch.Mode;
import dev.parley.testkit.naming.Overlay;
import dev.parley.testkit.naming.Overlay.Rate;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Unstructured overlay search in the deterministic simulation: success rate and messages per search
 * for flooding against the TTL, random walks against the number of walkers k and the TTL, and
 * super-peers against a flat overlay of the same size.
 */
@Command(name = "overlay", mixinStandardHelpOptions = true,
    description = "Overlay search: success and messages vs TTL and k, flooding, random walks, super-peers.")
final class OverlayBench implements Runnable {

  @Option(names = "--nodes", description = "peers in the flat overlay (default ${DEFAULT-VALUE})")
  int nodes = 200;

  @Option(names = "--degree", description = "mean degree of the random graphs (default ${DEFAULT-VALUE})")
  double degree = 4;

  @Option(names = "--searches", description = "searches per setting (default ${DEFAULT-VALUE})")
  int searches = 300;

  @Option(names = "--seed", description = "graph and search seed (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Override
  public void run() {
    Overlay flat = Overlay.flat(nodes, degree, seed, Overlay.LINKS);
    long edges = flat.graph().values().stream().mapToLong(Set::size).sum() / 2;
    System.out.printf("Overlay search, %d peers on a random graph of %d edges (mean degree %.1f), one item "
        + "per peer, %d searches per setting for the item of a random other peer%n", nodes, edges, degree,
        searches);
    Figures.machine();
    Figures.row("search", "TTL", "k", "success", "messages per search");
    Figures.row("---", "---", "---", "---", "---");
    for (int ttl = 1; ttl <= 6; ttl++) {
      row("flooding", ttl, "-", flat.rate(searches, Mode.FLOOD, ttl, 0));
    }
    for (int ttl : new int[] {8, 32, 128}) {
      for (int k : new int[] {1, 4, 16}) {
        row("random walk", ttl, String.valueOf(k), flat.rate(searches, Mode.WALK, ttl, k));
      }
    }
    int supers = Math.max(2, nodes / 10);
    Overlay withSupers = Overlay.superPeers(supers, nodes / supers - 1, degree, seed, Overlay.LINKS);
    System.out.println();
    System.out.printf("Super-peers: %d super-peers on a random graph of mean degree %.1f, %d leaves each "
        + "(%d nodes in all); a leaf asks its super-peer, which floods the super-peers%n", supers, degree,
        nodes / supers - 1, supers * (nodes / supers));
    Figures.row("search", "TTL", "k", "success", "messages per search");
    Figures.row("---", "---", "---", "---", "---");
    for (int ttl = 1; ttl <= 4; ttl++) {
      row("super-peer flooding", ttl, "-", withSupers.rate(searches, Mode.FLOOD, ttl, 0));
    }
  }

  private static void row(String search, int ttl, String k, Rate r) {
    Figures.row(search, String.valueOf(ttl), k, String.format("%.0f%%", 100 * r.success()),
        String.format("%.1f", r.meanMessages()));
  }
}
