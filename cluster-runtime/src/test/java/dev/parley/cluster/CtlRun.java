package dev.parley.cluster;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * One {@code bin/parley} command run in this JVM as {@code ParleyCtl} runs it, with what it printed.
 *
 * @param exit its exit status
 * @param out what it printed on standard output
 * @param err what it printed on standard error
 */
record CtlRun(int exit, String out, String err) {

  /** Runs {@code args}, capturing standard output and error (restored afterwards). */
  static CtlRun of(String... args) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    PrintStream savedOut = System.out;
    PrintStream savedErr = System.err;
    try {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
      int exit = new CommandLine(new ParleyCtl()).execute(args);
      return new CtlRun(exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(savedOut);
      System.setErr(savedErr);
    }
  }
}
