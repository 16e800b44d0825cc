package dev.parley.testkit.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * The mutation score of {@code protocols/} per package, from the XML reports of PIT's runs in several
 * modules ({@code bin/mutation} runs it in {@code protocols/}, over that module's own unit tests, and
 * in {@code testkit-scenarios/}, over the specs). The runs mutate the same classes the same way, so a
 * mutant is the same in each report (class, method, line, mutator, instruction indexes): it counts as
 * killed if any run killed it (or timed out on it, as PIT counts), survived if a run's tests covered it
 * and none killed it, not covered if no run's tests reached it.
 *
 * <p>Prints one row per package and the total: mutants, killed, timed out, survived, not covered,
 * the score ((killed + timed out) / mutants) and the score without timed-out mutants (on a loaded
 * machine a slow spec times out too, so the kill is not certain). Cost: one pass over each report.
 *
 * <pre>{@code java -cp testkit-scenarios/target/classes dev.parley.testkit.report.MutationScores \
 *     protocols/target/pit-reports/mutations.xml testkit-scenarios/target/pit-reports/mutations.xml}</pre>
 */
public final class MutationScores {

  /** What became of one mutant over every run. */
  public enum Fate { KILLED, TIMED_OUT, SURVIVED, NO_COVERAGE }

  /** The counts of one package (or of all). */
  public record Counts(String what, int mutants, int killed, int timedOut, int survived, int noCoverage) {

    /** (killed + timed out) / mutants, in percent. */
    public double score() {
      return mutants == 0 ? 0 : 100.0 * (killed + timedOut) / mutants;
    }

    /** killed / mutants, in percent. */
    public double scoreWithoutTimedOut() {
      return mutants == 0 ? 0 : 100.0 * killed / mutants;
    }
  }

  private final Map<String, Fate> fates = new LinkedHashMap<>();
  private final Map<String, String> packages = new LinkedHashMap<>();

  /** Adds one PIT report ({@code mutations.xml}). */
  public MutationScores add(InputStream report, String name) {
    NodeList mutations;
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      DocumentBuilder builder = factory.newDocumentBuilder();
      builder.setErrorHandler(new DefaultHandler()); // reports by exception, not on stderr
      mutations = builder.parse(report).getElementsByTagName("mutation");
    } catch (ParserConfigurationException | SAXException | IOException e) {
      throw new IllegalArgumentException(name + " is not a PIT XML report (" + e.getMessage()
          + "); run PIT with the XML output format, as bin/mutation does", e);
    }
    for (int i = 0; i < mutations.getLength(); i++) {
      Element m = (Element) mutations.item(i);
      String mutatedClass = text(m, "mutatedClass", name);
      String key = String.join("|", mutatedClass, text(m, "mutatedMethod", name),
          text(m, "methodDescription", name), text(m, "lineNumber", name), text(m, "mutator", name),
          text(m, "indexes", name), text(m, "blocks", name));
      Fate fate = fate(m.getAttribute("status"), name);
      fates.merge(key, fate, MutationScores::better);
      int dot = mutatedClass.lastIndexOf('.');
      packages.put(key, dot < 0 ? "" : mutatedClass.substring(0, dot));
    }
    return this;
  }

  /** Adds the report in {@code file}; a missing file is an error naming it. */
  public MutationScores add(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no PIT report at " + file + ": did the PIT run of that module finish?");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return add(in, file.toString());
    }
  }

  /** The counts per package, in package order, and the total last. */
  public List<Counts> counts() {
    Map<String, int[]> byPackage = new TreeMap<>();
    int[] total = new int[5];
    fates.forEach((key, fate) -> {
      int[] c = byPackage.computeIfAbsent(packages.get(key), p -> new int[5]);
      c[0]++;
      c[fate.ordinal() + 1]++;
      total[0]++;
      total[fate.ordinal() + 1]++;
    });
    List<Counts> rows = new ArrayList<>();
    byPackage.forEach((p, c) -> rows.add(new Counts(p, c[0], c[1], c[2], c[3], c[4])));
    rows.add(new Counts("all", total[0], total[1], total[2], total[3], total[4]));
    return rows;
  }

  /** The table {@link #main} prints. */
  public List<String> table() {
    TextTable table = new TextTable("package", "mutants", "killed", "timed out", "survived", "not covered",
        "score", "without timed out");
    for (Counts c : counts()) {
      table.row(c.what(), c.mutants(), c.killed(), c.timedOut(), c.survived(), c.noCoverage(),
          String.format("%.1f%%", c.score()), String.format("%.1f%%", c.scoreWithoutTimedOut()));
    }
    return table.lines();
  }

  /** Prints the table of the reports named on the command line. */
  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      System.err.println("usage: MutationScores REPORT.xml [REPORT.xml ...] (PIT's mutations.xml of each module)");
      System.exit(2);
    }
    MutationScores scores = new MutationScores();
    for (String arg : args) {
      scores.add(Path.of(arg));
    }
    if (scores.fates.isEmpty()) {
      System.err.println("the reports hold no mutant: the class glob matched no class of protocols/");
      System.exit(1);
    }
    scores.table().forEach(System.out::println);
  }

  private static Fate fate(String status, String name) {
    switch (status) {
      case "KILLED", "MEMORY_ERROR", "RUN_ERROR", "NON_VIABLE": // what PIT counts as detected
        return Fate.KILLED;
      case "TIMED_OUT":
        return Fate.TIMED_OUT;
      case "SURVIVED":
        return Fate.SURVIVED;
      case "NO_COVERAGE":
        return Fate.NO_COVERAGE;
      default:
        throw new IllegalArgumentException(name + ": a mutant with status '" + status
            + "', which a finished PIT run does not leave; run it again to the end");
    }
  }

  /** The better outcome of two runs for the tests: killed over timed out over survived over not covered. */
  private static Fate better(Fate a, Fate b) {
    return a.ordinal() <= b.ordinal() ? a : b;
  }

  private static String text(Element mutation, String tag, String name) {
    NodeList nodes = mutation.getElementsByTagName(tag);
    if (nodes.getLength() == 0) {
      throw new IllegalArgumentException(name + ": a mutation without <" + tag + ">; is it PIT's mutations.xml?");
    }
    Node node = nodes.item(0);
    return node.getTextContent().trim();
  }
}
