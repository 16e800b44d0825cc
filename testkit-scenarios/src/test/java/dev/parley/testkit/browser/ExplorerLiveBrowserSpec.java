package dev.parley.testkit.browser;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.parley.cluster.Node;
import dev.parley.cluster.NodeSettings;
import dev.parley.cluster.ProtocolKinds;
import dev.parley.protocols.core.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The explorer served by a live cluster, in headless Chromium, as a new user meets it: three nodes
 * in this JVM running a Raft key-value store, a user's write, the page at {@code /explorer}. It
 * shows every node, the user's operation among the protocol traffic, hides the heartbeats with one
 * click, and a second write shows up live (server-sent events) without reloading the page.
 */
class ExplorerLiveBrowserSpec {

  static final Config CONFIG = ConfigFactory.parseString(
          "akka.coordinated-shutdown.exit-jvm = off\n"
              + "akka.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
              + "akka.loglevel = WARNING\n")
      .withFallback(Node.defaultConfig());
  static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.ALWAYS).build();

  static final List<Node> nodes = new ArrayList<>();
  static final List<Integer> httpPorts = new ArrayList<>();
  static HeadlessChromium browser;

  @BeforeAll
  static void start() throws IOException {
    browser = HeadlessChromium.start(ExplorerBadInputSpec.SCREENSHOTS);
    List<NodeId> group = IntStream.rangeClosed(1, 3).mapToObj(NodeId::n).toList();
    List<Integer> ports = freePorts(6);
    Path data = Files.createTempDirectory("parley-explorer-live");
    ProtocolKinds kinds = ProtocolKinds.load();
    for (int i = 0; i < 3; i++) {
      httpPorts.add(ports.get(3 + i));
      NodeSettings settings = new NodeSettings(group.get(i), "127.0.0.1", ports.get(i), ports.get(3 + i),
          List.of("127.0.0.1:" + ports.get(0)), group, NodeSettings.parseProtocols(List.of("raft=raft-kv"), kinds),
          data.resolve(group.get(i).name()), 7);
      nodes.add(Node.start(settings, CONFIG, kinds.classLoader()));
    }
  }

  @AfterAll
  static void stop() {
    nodes.forEach(Node::stop);
    if (browser != null) {
      browser.close();
    }
  }

  static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sockets.add(new ServerSocket(0));
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  /** PUT {@code value} under {@code key} at n1 (redirected to the leader), once the store takes it. */
  static void put(String key, String value) {
    browser.waitUntil("the store to take " + key + "=" + value, () -> {
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + httpPorts.get(0) + "/kv/raft/" + key))
            .PUT(HttpRequest.BodyPublishers.ofString(value)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
  }

  /** How many operations the page's history shows (read in one go: the live view redraws as events come). */
  static long operationsShown() {
    return (Long) browser.script("return document.querySelectorAll('#history .op').length");
  }

  /** The index of the first client event labelled {@code label} in the cluster's run. */
  static int clientEvent(String label) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + httpPorts.get(0) + "/explorer/run")).build(), HttpResponse.BodyHandlers.ofString());
      for (JsonNode e : new ObjectMapper().readTree(r.body()).get("events")) {
        if (e.get("type").asText().equals("client") && e.get("label").asText().contains(label)) {
          return e.get("i").asInt();
        }
      }
      throw new AssertionError("no client event labelled " + label + " in the cluster's run");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theLiveViewShowsEveryNodeTheUsersWritesAmongTheTrafficAndHidesHeartbeats() {
    browser.open("http://127.0.0.1:" + httpPorts.get(0) + "/explorer");
    browser.waitUntil("a lane per node", () -> browser.all("#lanes .lane").size() == 3);
    assertThat(browser.all("#lanes .lane")).extracting(l -> l.getDomAttribute("data-node"))
        .containsExactlyInAnyOrder("n1", "n2", "n3");
    // written once the page is open: the live view draws the latest 500 events, and on a busy
    // machine a write made before the page loaded can already be behind that many heartbeats
    put("colour", "blue");
    browser.waitUntil("the user's write in the history", () -> !browser.all("#history .op").isEmpty());
    browser.waitUntil("client events among the traffic", () -> browser.one("#diagram").getText().contains("raft: client"));
    browser.screenshot("live-cluster");
    assertThat(browser.all("#filter-type input")).extracting(i -> i.getDomAttribute("value"))
        .anySatisfy(type -> assertThat(type).contains("(heartbeat)"));
    browser.screenshot("live-cluster");

    browser.one("#hide-heartbeats").click();
    browser.waitUntil("no heartbeat drawn", () -> Boolean.FALSE.equals(browser.script(
        "return [...document.querySelectorAll('#diagram .arrow')].some(a => a.textContent.includes('(heartbeat)'))")));
    browser.screenshot("live-cluster-no-heartbeats");

    int write = clientEvent("put colour=blue");
    browser.open("http://127.0.0.1:" + httpPorts.get(0) + "/explorer#e=" + write);
    browser.waitUntil("the write's event selected", () -> browser.one("#detail-message").getText().contains("colour=blue"));
    assertThat(browser.one("#detail-state").getText()).as("n1's state now").contains("raft");

    long before = operationsShown();
    put("colour", "red");
    browser.waitUntil("the second write shown live", () -> operationsShown() > before);
    assertThat(browser.consoleErrors()).as("console errors").isEmpty();
  }
}
