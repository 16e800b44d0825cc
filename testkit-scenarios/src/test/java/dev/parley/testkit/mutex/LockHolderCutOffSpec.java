package dev.parley.testkit.mutex;

import static dev.parley.testkit.mutex.Algorithms.CLIENT_SETTINGS;
import static dev.parley.testkit.mutex.Algorithms.SERVER;
import static dev.parley.testkit.mutex.Algorithms.SERVER_SETTINGS;
import static dev.parley.testkit.mutex.Algorithms.clients;
import static dev.parley.testkit.mutex.Algorithms.ms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocols.core.NodeEnv;
import dev.parley.protocols.core.NodeId;
import dev.parley.protocols.link.Delay;
import dev.parley.protocols.link.FaultPlan;
import dev.parley.protocols.link.NemesisCommand;
import dev.parley.protocols.mutex.BrokenLocks;
import dev.parley.protocols.mutex.Granted;
import dev.parley.protocols.mutex.LeaseExpired;
import dev.parley.protocols.mutex.LockClient;
import dev.parley.protocols.mutex.LockServer;
import dev.parley.testkit.sim.SimProtocol;
import dev.parley.testkit.sim.Simulation;
import dev.parley.testkit.sim.SimulationFailure;
import dev.parley.testkit.sim.Simulations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A classic hard case of leased locks, scripted: the holder is cut off from the lock server while
 * its lease runs out. The server hands the lock on when the lease ends by its clock; the holder, who
 * cannot hear that, must stop holding by its own clock no later (less its skew allowance); once the
 * network heals, the lock goes on in order. {@link MutexInvariants} checks one holder and increasing
 * tokens after every step.
 *
 * <p>Per seed: n1 is granted the lock (lease 200 ms); at a random moment of the lease it is cut off
 * from the server; n2 asks at a random moment; the network heals at a random moment between half a
 * lease and two leases after the grant (and after the cut); n2 uses the lock, releases it, and n1 asks again. Clients
 * that trust their grant until they release it ({@link BrokenLocks#clientsIgnoringTheirLeases}) are
 * stopped at the step that grants n2 while n1 still holds, on every seed.
 */
class LockHolderCutOffSpec {

  static final NodeId N1 = NodeId.n(1);
  static final NodeId N2 = NodeId.n(2);
  static final FaultPlan LAN = FaultPlan.NONE.withDelay(Delay.uniform(ms(1), ms(5)));

  static final SimProtocol<Object> CORRECT = (peers, env, upcalls) -> LockServer.inGroup(
      SERVER, "lock", SERVER_SETTINGS, CLIENT_SETTINGS, peers, env, upcalls.narrow());
  static final SimProtocol<Object> TRUSTING = (peers, env, upcalls) -> BrokenLocks.clientsIgnoringTheirLeases(
      SERVER, "lock", SERVER_SETTINGS, CLIENT_SETTINGS, peers, env, upcalls.narrow());

  static Simulation<Object> sim(long seed, SimProtocol<Object> protocol) {
    List<NodeId> nodes = new ArrayList<>(clients(2));
    nodes.add(SERVER);
    return Simulation.builder(nodes, protocol)
        .seed(seed).faults(LAN).freshInvariant(MutexInvariants::new).maxSteps(1_000_000).build();
  }

  /** The script up to n2's grant: n1 granted, cut off during its lease, n2 asking, a heal. */
  static void cutOffWhileTheLeaseRunsOut(Simulation<Object> sim) {
    Random random = new Random(NodeEnv.mix(sim.seed(), "cut-off holder"));
    long lease = SERVER_SETTINGS.lease().toMillis();
    sim.tell(N1, new LockClient.Acquire());
    sim.runUntil(v -> !v.upcalls(N1, Granted.class).isEmpty());
    Duration granted = sim.elapsed();
    long cut = random.nextInt((int) lease);
    sim.nemesis(granted.plusMillis(cut), new NemesisCommand.Cut(N1, Set.of(SERVER)));
    sim.tell(granted.plusMillis(random.nextInt((int) lease)), N2, new LockClient.Acquire());
    long heal = Math.max(cut + 1, lease / 2 + random.nextInt((int) (lease * 3 / 2)));
    sim.nemesis(granted.plusMillis(heal), new NemesisCommand.Heal());
    sim.runUntil(v -> !v.upcalls(N2, Granted.class).isEmpty());
  }

  @Test
  void theCutOffHolderStopsHoldingByItsOwnClockBeforeTheLockIsHandedOn() {
    Simulations.forSeeds(1, 20, seed -> {
      Simulation<Object> sim = sim(seed, CORRECT);
      cutOffWhileTheLeaseRunsOut(sim);
      assertThat(sim.upcalls(N1, LeaseExpired.class)).containsExactly(new LeaseExpired(N1, 1));
      assertThat(sim.upcalls(N2, Granted.class)).containsExactly(new Granted(N2, 2));

      sim.runFor(ms(20));
      assertThat(sim.upcalls(N2, LeaseExpired.class)).isEmpty();
      sim.tell(sim.elapsed(), N2, new LockClient.Release());
      sim.tell(sim.elapsed().plusMillis(10), N1, new LockClient.Acquire());
      sim.runUntil(v -> v.upcalls(N1, Granted.class).size() == 2);
      assertThat(sim.upcalls(N1, Granted.class)).containsExactly(new Granted(N1, 1), new Granted(N1, 3));
    });
  }

  @Test
  void clientsThatTrustTheirGrantUntilTheyReleaseAreCaughtOnEverySeed() {
    for (long seed = 1; seed <= 20; seed++) {
      Simulation<Object> sim = sim(seed, TRUSTING);
      long s = seed;
      assertThatThrownBy(() -> cutOffWhileTheLeaseRunsOut(sim))
          .as("seed %d", seed)
          .isInstanceOf(SimulationFailure.class)
          .hasMessageContaining("simulation failed (seed " + s + ") at step ")
          .hasMessageContaining("mutual exclusion violated: n2 was granted the lock while n1 held it");
    }
  }
}
