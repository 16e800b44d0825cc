package dev.parley.bench;

import java.util.Arrays;

/** Small helpers shared by the harnesses: medians and aligned tables. */
final class Figures {

  private Figures() {}

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  static void row(String... cells) {
    StringBuilder s = new StringBuilder("| ");
    for (String c : cells) {
      s.append(c).append(" | ");
    }
    System.out.println(s.toString().stripTrailing());
  }

  static String perSecond(double rate) {
    return String.format("%,.0f/s", rate);
  }

  static void machine() {
    System.out.printf(
        "(Java %s, %d cores available to the JVM)%n%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
  }
}
