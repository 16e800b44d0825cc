package dev.parley.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Parley's benchmark harnesses: each prints its figures as a table. Run from the project root:
 *
 * <pre>
 * mvn -q -pl benchmarks -am package -DskipTests
 * mvn -q -pl benchmarks exec:java -Dexec.args="links"
 * </pre>
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Parley benchmark harnesses; each prints its figures.",
    subcommands = {LinkOverhead.class, MulticastThroughput.class})
public final class Bench implements Runnable {

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Bench()).execute(args));
  }
}
