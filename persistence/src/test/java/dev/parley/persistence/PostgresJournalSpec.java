package dev.parley.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The journal on a real PostgreSQL server: the one {@code bin/postgres start} installs from Debian
 * packages and starts (CI does), or the server at {@code PARLEY_POSTGRES_URL}. Skipped, saying so,
 * where no server answers.
 */
class PostgresJournalSpec {

  static final String URL = System.getenv().getOrDefault("PARLEY_POSTGRES_URL",
      "jdbc:postgresql://127.0.0.1:55432/parley");

  static void requireServer() {
    try (var c = DriverManager.getConnection(URL, "parley", "parley")) {
      Assumptions.assumeTrue(c.isValid(5), "the PostgreSQL server at " + URL + " is not valid");
    } catch (SQLException e) {
      String why = "skipped: no PostgreSQL server at " + URL + " (" + e.getMessage()
          + "); start one with bin/postgres start, which installs it from Debian packages";
      System.err.println(why);
      Assumptions.abort(why);
    }
  }

  @Test
  void eventsSurviveARestartOfTheWholeSystem() {
    requireServer();
    String id = "sum-" + UUID.randomUUID();
    assertThat(JournalSpec.addOn(Journal.postgres(URL, "parley", "parley"), id, 5)).isEqualTo(5);
    assertThat(JournalSpec.addOn(Journal.postgres(URL, "parley", "parley"), id, 7)).isEqualTo(12);
  }
}
