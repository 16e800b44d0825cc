package dev.parley.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a journal has committed survives the process being killed: a child JVM commits rows to an
 * H2 database at the journal's url and halts at once (no shutdown hooks, no close, as {@code kill -9}
 * leaves it); every row is there when the database is opened again. (With H2's default write delay,
 * the same run loses rows, often the whole table.)
 */
class JournalDurabilitySpec {

  @TempDir Path dir;

  /** The child: commits {@code args[1]} rows one by one at url {@code args[0]}, then halts. */
  public static void main(String[] args) throws Exception {
    Connection c = DriverManager.getConnection(args[0], "sa", "");
    c.createStatement().execute("create table committed(i int)");
    for (int i = 0; i < Integer.parseInt(args[1]); i++) {
      c.createStatement().execute("insert into committed values(" + i + ")");
    }
    Runtime.getRuntime().halt(0);
  }

  @Test
  void commitsSurviveAKilledProcess() throws Exception {
    String url = Journal.h2Url(dir);
    String java = ProcessHandle.current().info().command().orElse("java");
    Process child = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        JournalDurabilitySpec.class.getName(), url, "100")).inheritIO().start();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    try (Connection c = DriverManager.getConnection(url, "sa", "");
         ResultSet r = c.createStatement().executeQuery("select count(*) from committed")) {
      r.next();
      assertThat(r.getInt(1)).isEqualTo(100);
    }
  }
}
