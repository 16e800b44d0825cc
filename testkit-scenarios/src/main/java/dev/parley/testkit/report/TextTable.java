package dev.parley.testkit.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Columns aligned for counterexamples: a header row, then one row per op or event. */
public final class TextTable {

  private final List<String[]> rows = new ArrayList<>();

  public TextTable(String... header) {
    rows.add(header);
  }

  public TextTable row(Object... cells) {
    rows.add(Arrays.stream(cells).map(c -> c == null ? "" : c.toString()).toArray(String[]::new));
    return this;
  }

  /** The rows as aligned lines; a column empty in every row below the header is left out. */
  public List<String> lines() {
    int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
    int[] width = new int[columns];
    boolean[] used = new boolean[columns];
    for (int n = 0; n < rows.size(); n++) {
      String[] r = rows.get(n);
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
        used[i] |= n > 0 && !r[i].isEmpty();
      }
    }
    List<String> lines = new ArrayList<>(rows.size());
    for (String[] r : rows) {
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        if (used[i]) {
          s.append(r[i]).append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      lines.add(s.toString().stripTrailing());
    }
    return lines;
  }
}
