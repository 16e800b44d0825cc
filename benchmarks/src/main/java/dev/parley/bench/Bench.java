package dev.parley.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Parley's benchmark harnesses: each prints its figures as a table. Run from the project root:
 *
 * <pre>
 * mvn -q -pl benchmarks -am compile exec:java@bench                     # the quick ones
 * mvn -q -pl benchmarks -am compile exec:java@bench -Dexec.args="links"  # one of them
 * </pre>
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Parley benchmark harnesses; each prints its figures. Without a command, runs the quick ones: links, multicast, simulation, mutex.",
    subcommands = {LinkOverhead.class, MulticastThroughput.class, SimulationSpeed.class, MutexBench.class,
        FailoverBench.class, KvBench.class, KvPathBreakdown.class, KvGrowthBench.class, TlsOverhead.class, LogBench.class,
        PubSubBench.class, ChordHops.class, OverlayBench.class, LinCheckBench.class, JournalBench.class})
public final class Bench implements Runnable {

  @Override
  public void run() {
    new LinkOverhead().run();
    System.out.println();
    new MulticastThroughput().run();
    System.out.println();
    new SimulationSpeed().run();
    System.out.println();
    new MutexBench().run();
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Bench()).execute(args));
  }
}
