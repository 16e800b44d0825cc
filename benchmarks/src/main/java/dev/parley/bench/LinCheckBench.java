package dev.parley.bench;

import dev.parley.protocols.history.History;
import dev.parley.testkit.checker.LinearizabilityChecker;
import dev.parley.testkit.checker.RegisterHistories;
import dev.parley.testkit.checker.Verdict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * How long the linearizability checker takes per history, searching one key at a time (parallelism
 * 1, how it always ran before keys were searched in parallel) and with its default parallelism, side by
 * side, on linearizable histories of a simulated register store ({@link RegisterHistories}): 10,000
 * operations over 10 keys from 10 clients (2% of outcomes unknown) and from 50 (5%), and 10,000 over
 * one key from 10 clients. The histories come from seeds, so every run checks
 * the same ones; {@code --write DIR} also writes them, one operation per line ({@link OperationLines}),
 * for another checker to be timed on the same histories.
 */
@Command(name = "lincheck", mixinStandardHelpOptions = true,
    description = "Time per history of the linearizability checker, 1 thread and default parallelism.")
final class LinCheckBench implements Runnable {

  /**
   * What to generate.
   *
   * @param name how the shape's directory is named under {@code --write}
   * @param operations how many operations in all
   * @param keys over how many registers
   * @param clients how many clients, each with its share of the operations
   * @param timeoutRate the share of operations whose outcome is unknown
   */
  record Shape(String name, int operations, int keys, int clients, double timeoutRate) {}

  private static final List<Shape> SHAPES = List.of(
      new Shape("10keys-10clients", 10_000, 10, 10, 0.02),
      new Shape("10keys-50clients", 10_000, 10, 50, 0.05),
      new Shape("1key-10clients", 10_000, 1, 10, 0.02));

  private static final int WARM_UP = 3;

  @Option(names = "--seed", description = "seed of the first history of each shape (default ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(names = "--histories", description = "histories per shape (default ${DEFAULT-VALUE})")
  int histories = 5;

  @Option(names = "--repetitions", description = "timed checks of each history (default ${DEFAULT-VALUE})")
  int repetitions = 10;

  @Option(names = "--write", description = "also write the histories here, DIR/SHAPE/seed-N.jsonl")
  Path write;

  private double firstCheck;

  @Override
  public void run() {
    int parallel = Runtime.getRuntime().availableProcessors();
    System.out.println("Linearizability checker: median time per history (" + histories + " histories per shape, "
        + repetitions + " timed checks of each after " + WARM_UP + " untimed)");
    Figures.machine();
    Figures.row("history shape", "clients", "unknown outcomes", "1 thread (keys one by one, as before)",
        parallel + " threads (default)", "speed-up");
    Figures.row("---", "---", "---", "---", "---", "---");
    LinearizabilityChecker oneThread = LinearizabilityChecker.forRegisters().withParallelism(1);
    LinearizabilityChecker byDefault = LinearizabilityChecker.forRegisters();
    for (Shape shape : SHAPES) {
      List<History> generated = generate(shape);
      if (firstCheck == 0) {
        long start = System.nanoTime();
        requireLinearizable(byDefault.check(generated.get(0)));
        firstCheck = (System.nanoTime() - start) / 1e6;
      }
      double[] medians = medianMillis(generated, oneThread, byDefault);
      double sequential = medians[0];
      double inParallel = medians[1];
      Figures.row(shape.operations() + " ops over " + shape.keys() + " key(s)", String.valueOf(shape.clients()),
          String.format("%.0f%%", shape.timeoutRate() * 100), millis(sequential), millis(inParallel),
          String.format("%.2fx", sequential / inParallel));
    }
    System.out.println();
    System.out.printf("The first check of the run, in a JVM that has not compiled the checker yet, took %.1f ms.%n",
        firstCheck);
    if (write != null) {
      System.out.println("Histories written to " + write.toAbsolutePath() + ", one operation per line.");
    }
  }

  private List<History> generate(Shape shape) {
    List<History> generated = new ArrayList<>();
    for (long s = seed; s < seed + histories; s++) {
      History h = RegisterHistories.linearizable(s, shape.clients(), shape.operations(), shape.keys(),
          shape.timeoutRate());
      generated.add(h);
      if (write != null) {
        OperationLines.write(h, write.resolve(shape.name()).resolve("seed-" + s + ".jsonl"));
      }
    }
    return generated;
  }

  /**
   * The median time per check of each checker, over every timed check of every history. Each history is
   * first checked {@value #WARM_UP} times by each, untimed, for the JIT compiler; then the two checkers
   * take turns on each history, so that both see the same load of the machine.
   */
  private double[] medianMillis(List<History> generated, LinearizabilityChecker... checkers) {
    for (int w = 0; w < WARM_UP; w++) {
      for (LinearizabilityChecker c : checkers) {
        generated.forEach(h -> requireLinearizable(c.check(h)));
      }
    }
    double[][] times = new double[checkers.length][generated.size() * repetitions];
    int n = 0;
    for (int r = 0; r < repetitions; r++) {
      for (History h : generated) {
        for (int c = 0; c < checkers.length; c++) {
          long start = System.nanoTime();
          Verdict v = checkers[c].check(h);
          times[c][n] = (System.nanoTime() - start) / 1e6;
          requireLinearizable(v);
        }
        n++;
      }
    }
    double[] medians = new double[checkers.length];
    for (int c = 0; c < checkers.length; c++) {
      medians[c] = Figures.median(times[c]);
    }
    return medians;
  }

  /** The histories are linearizable by construction; any other verdict is the checker's fault. */
  private static void requireLinearizable(Verdict v) {
    if (!v.valid()) {
      throw new IllegalStateException("a simulated history was not found linearizable: " + v.report());
    }
  }

  private static String millis(double ms) {
    return String.format("%.1f ms", ms);
  }
}
