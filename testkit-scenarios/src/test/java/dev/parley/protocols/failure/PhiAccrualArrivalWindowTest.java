package dev.parley.protocols.failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.parley.protocols.failure.PhiAccrualFailureDetector.ArrivalWindow;
import dev.parley.protocols.failure.PhiAccrualFailureDetector.Settings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * phi as Hayashibara et al. define it, against an independent computation: phi(t) = -log10(1 -
 * F(t)), F the normal distribution of the inter-arrival times the window holds (mean shifted by the
 * acceptable pause, deviation at least the minimum). The detector uses Akka's logistic
 * approximation of F: within 0.1 plus a tenth of the exact value up to four deviations late (the
 * approximation drifts in the far tail, where phi is far above any threshold anyway).
 */
class PhiAccrualArrivalWindowTest {

  static final Duration INTERVAL = Duration.ofMillis(100);

  static Settings settings(Duration minStd, Duration pause, int window) {
    return new Settings(INTERVAL, 8.0, minStd, pause, window);
  }

  /** 1 - F(t) for the normal distribution, by the complementary error function (Abramowitz and Stegun 7.1.26). */
  static double tail(double t, double mean, double deviation) {
    double z = (t - mean) / (deviation * Math.sqrt(2));
    double x = Math.abs(z);
    double k = 1 / (1 + 0.3275911 * x);
    double erfc = k * (0.254829592 + k * (-0.284496736 + k * (1.421413741 + k * (-1.453152027 + k * 1.061405429))))
        * Math.exp(-x * x);
    return z >= 0 ? erfc / 2 : 1 - erfc / 2;
  }

  static double referencePhi(double silence, double mean, double deviation) {
    return -Math.log10(tail(silence, mean, deviation));
  }

  static void assertPhiFollows(ArrivalWindow window, long last, double mean, double deviation) {
    for (long silence = 0; silence <= mean + 4 * deviation; silence += 5) {
      double exact = referencePhi(silence, mean, deviation);
      assertThat(window.phi(last + silence)).as("phi after %d ms of silence", silence)
          .isCloseTo(exact, within(0.1 + 0.1 * exact));
    }
  }

  @Test
  void aNewWindowExpectsTheIntervalWithAQuarterOfItAsDeviation() {
    ArrivalWindow window = new ArrivalWindow(settings(Duration.ofMillis(10), Duration.ZERO, 100), 1_000);
    assertPhiFollows(window, 1_000, 100, 25);
  }

  @Test
  void phiFollowsTheMeanAndDeviationOfTheArrivalsKept() {
    ArrivalWindow window = new ArrivalWindow(settings(Duration.ofMillis(1), Duration.ZERO, 6), 0);
    long[] arrivals = {90, 210, 300, 420, 500, 640}; // intervals 90, 120, 90, 120, 80, 140 (bootstrap gone)
    for (long t : arrivals) {
      window.arrived(t);
    }
    double mean = (90 + 120 + 90 + 120 + 80 + 140) / 6.0;
    double squares = (90 * 90 + 120 * 120 + 90 * 90 + 120 * 120 + 80 * 80 + 140 * 140) / 6.0;
    assertPhiFollows(window, 640, mean, Math.sqrt(squares - mean * mean));
  }

  @Test
  void aVeryRegularPeerIsJudgedWithTheMinimumDeviationAndThePauseOnTop() {
    ArrivalWindow window = new ArrivalWindow(settings(Duration.ofMillis(10), Duration.ofMillis(50), 3), 0);
    for (long t = 200; t <= 1_000; t += 200) {
      window.arrived(t);
    }
    assertPhiFollows(window, 1_000, 200 + 50, 10);
  }

  @Test
  void phiGrowsWithTheSilence() {
    ArrivalWindow window = new ArrivalWindow(settings(Duration.ofMillis(10), Duration.ZERO, 100), 0);
    double before = -1;
    for (long silence = 0; silence <= 300; silence += 10) {
      double phi = window.phi(silence);
      assertThat(phi).as("phi after %d ms", silence).isGreaterThanOrEqualTo(before);
      before = phi;
    }
    assertThat(window.phi(300)).as("eight deviations late").isGreaterThan(8);
  }

  @Test
  void settingsTheDetectorCannotWorkWithAreRefused() {
    assertThat(settings(Duration.ofMillis(1), Duration.ZERO, 2).window()).isEqualTo(2);
    assertThatThrownBy(() -> settings(Duration.ofMillis(1), Duration.ZERO, 1))
        .hasMessageContaining("a window of at least 2");
    assertThatThrownBy(() -> settings(Duration.ZERO, Duration.ZERO, 10)).hasMessageContaining("minStdDeviation > 0");
    assertThatThrownBy(() -> settings(Duration.ofMillis(1), Duration.ofMillis(-1), 10))
        .hasMessageContaining("acceptablePause >= 0");
    assertThatThrownBy(() -> new Settings(INTERVAL, 0, Duration.ofMillis(1), Duration.ZERO, 10))
        .hasMessageContaining("threshold > 0");
    assertThat(new HeartbeatFailureDetector.Settings(INTERVAL, INTERVAL.plusMillis(1)).timeout())
        .isEqualTo(INTERVAL.plusMillis(1));
    assertThatThrownBy(() -> new HeartbeatFailureDetector.Settings(INTERVAL, INTERVAL))
        .hasMessageContaining("0 < interval < timeout");
  }
}
