package dev.parley.testkit.sim;

import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012): instead of every seed running the same
 * mix of faults, each seed draws its own — which kinds of fault are on at all, and at what rates — so
 * that some runs are, say, partitions and crashes without any message loss. A fault that masks a
 * bug (loss that keeps two messages from ever racing, crashes that reset the state a bug needs) is
 * then absent from many runs, and a fault that a bug needs is present at a high rate in some; across
 * many seeds the swarm reaches states one fixed mix rarely does.
 *
 * <p>What a seed draws, each kind on with probability one half: message loss (rate 0.01-0.3),
 * duplication (0.01-0.2), reordering (0.05-0.5), link delay (up to 1-20 ms, otherwise up to 1 ms);
 * a slow journal (writes up to 1-10 ms) and failing writes (0.01-0.1); and for the nemesis,
 * partitions, crashes with restarts, and lossy spells, each with its own mean gap between actions
 * (50-800 ms); and the scheduler: time order, or {@link Scheduler#priorities} (depth 2-6, lateness up to
 * 2-20 ms, changes within 500-20,000 steps). The same seed draws the same swarm. Drawing one inside {@link
 * Simulations#forSeeds} adds its description to a failing seed's report.
 *
 * <pre>{@code
 * Simulations.forSeeds(1, 200, seed -> {
 *   Swarm swarm = Swarm.draw(seed);
 *   Simulation<Raft.Command> sim = swarm.apply(builder.seed(seed)).build();
 *   Duration calm = swarm.nemesis(sim, Duration.ofSeconds(4), sim.nodes());
 *   ... run the workload, check the history ...
 * });
 * }</pre>
 *
 * @param seed the seed it was drawn from
 * @param links the links' plan
 * @param storage the journals' faults
 * @param partitionGap mean time between partition or heal actions, or null if none
 * @param crashGap mean time between crashes or restarts, or null if none
 * @param lossyGap mean time between lossy spells and their end, or null if none
 * @param scheduler how the next event is chosen
 */
public record Swarm(long seed, FaultPlan links, StorageFaults storage, Duration partitionGap, Duration crashGap,
    Duration lossyGap, Scheduler scheduler) {

  /** The swarm of {@code seed}. */
  public static Swarm draw(long seed) {
    Random r = new Random(Hash64.mix(seed, 0x737761726dL));
    FaultPlan links = FaultPlan.NONE.withDelay(
        Delay.uniform(Duration.ZERO, Duration.ofMillis(r.nextBoolean() ? 1 + r.nextInt(20) : 1)));
    if (r.nextBoolean()) {
      links = links.withDrop(rate(r, 0.01, 0.3));
    }
    if (r.nextBoolean()) {
      links = links.withDuplicate(rate(r, 0.01, 0.2));
    }
    if (r.nextBoolean()) {
      links = links.withReorder(rate(r, 0.05, 0.5));
    }
    StorageFaults storage = StorageFaults.NONE;
    if (r.nextBoolean()) {
      storage = storage.withWriteDelay(Delay.uniform(Duration.ZERO, Duration.ofMillis(1 + r.nextInt(10))));
    }
    if (r.nextBoolean()) {
      storage = storage.withFailRate(rate(r, 0.01, 0.1)).withRestartAfter(Duration.ofMillis(10 + r.nextInt(90)));
    }
    Duration partitionGap = gap(r);
    Duration crashGap = gap(r);
    Duration lossyGap = gap(r);
    Scheduler scheduler = r.nextBoolean() ? Scheduler.timeOrder()
        : Scheduler.priorities(2 + r.nextInt(5), Duration.ofMillis(2 + r.nextInt(19)), 500 + r.nextInt(19_501));
    Swarm swarm = new Swarm(seed, links, storage, partitionGap, crashGap, lossyGap, scheduler);
    RunFilter.current().note(swarm.toString());
    return swarm;
  }

  private static double rate(Random r, double min, double max) {
    return Math.round((min + (max - min) * r.nextDouble()) * 1000) / 1000.0;
  }

  private static Duration gap(Random r) {
    return r.nextBoolean() ? Duration.ofMillis(50 + r.nextInt(750)) : null;
  }

  /** {@code builder} with this swarm's link plan, journal faults and scheduler. */
  public <C> Simulation.Builder<C> apply(Simulation.Builder<C> builder) {
    return builder.faults(links).storage(storage).scheduler(scheduler);
  }

  /**
   * Schedules the swarm's nemesis on {@code sim} from now until {@code until}: partitions (random
   * sides) and heals, crashes and restarts of {@code crashable} nodes (never all of them down at
   * once), lossy spells. At {@code until} the network heals, the links go back to the plan and every
   * crashed node restarts. Returns {@code until}, from when the group is calm.
   */
  public Duration nemesis(Simulation<?> sim, Duration until, List<NodeId> crashable) {
    Random r = new Random(Hash64.mix(seed, 0x6e656d65L));
    List<NodeId> nodes = sim.nodes();
    if (partitionGap != null && nodes.size() > 1) {
      boolean cut = false;
      for (Duration at = next(r, sim.elapsed(), partitionGap); at.compareTo(until) < 0; at = next(r, at, partitionGap)) {
        sim.nemesis(at, cut ? new NemesisCommand.Heal() : randomPartition(r, nodes));
        cut = !cut;
      }
    }
    Set<NodeId> down = new HashSet<>();
    if (crashGap != null && !crashable.isEmpty()) {
      for (Duration at = next(r, sim.elapsed(), crashGap); at.compareTo(until) < 0; at = next(r, at, crashGap)) {
        NodeId victim = crashable.get(r.nextInt(crashable.size()));
        if (down.remove(victim)) {
          sim.restart(at, victim);
        } else if (down.size() + 1 < crashable.size() || crashable.size() == 1) {
          down.add(victim);
          sim.crash(at, victim);
        }
      }
    }
    if (lossyGap != null) {
      boolean lossy = false;
      for (Duration at = next(r, sim.elapsed(), lossyGap); at.compareTo(until) < 0; at = next(r, at, lossyGap)) {
        sim.nemesis(at, lossy ? new NemesisCommand.Faults(links) : new NemesisCommand.Lossy(rate(r, 0.1, 0.5)));
        lossy = !lossy;
      }
    }
    sim.nemesis(until, new NemesisCommand.Heal());
    sim.nemesis(until, new NemesisCommand.Faults(links));
    down.forEach(n -> sim.restart(until, n));
    return until;
  }

  private static Duration next(Random r, Duration from, Duration mean) {
    return from.plusMillis(1 + (long) (-Math.log(1 - r.nextDouble()) * mean.toMillis()));
  }

  private static NemesisCommand.Partition randomPartition(Random r, List<NodeId> nodes) {
    List<NodeId> shuffled = new ArrayList<>(nodes);
    Collections.shuffle(shuffled, r);
    int cut = 1 + r.nextInt(Math.max(1, nodes.size() - 1));
    return new NemesisCommand.Partition(List.of(Set.copyOf(shuffled.subList(0, cut)),
        Set.copyOf(shuffled.subList(cut, shuffled.size()))));
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "swarm of seed %d: links drop %s, duplicate %s, reorder %s, delay up to %d ms;"
            + " journal %s; nemesis: partitions %s, crashes %s, lossy spells %s", seed,
        off(links.drop()), off(links.duplicate()), off(links.reorder()), links.delay().max().toMillis(),
        storage.equals(StorageFaults.NONE) ? "perfect" : "writes up to " + storage.writeDelay().max().toMillis()
            + " ms, fail " + off(storage.failRate()), every(partitionGap), every(crashGap), every(lossyGap))
        + "; scheduler: " + scheduler;
  }

  private static String off(double rate) {
    return rate == 0 ? "off" : Double.toString(rate);
  }

  private static String every(Duration gap) {
    return gap == null ? "off" : "every ~" + gap.toMillis() + " ms";
  }
}
