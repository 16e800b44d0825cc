package dev.parley.cluster.http;

import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.HttpChallenge;
import akka.http.javadsl.model.headers.WWWAuthenticate;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who may call what on a node's HTTP API: bearer tokens, each with roles, and rules giving the roles
 * allowed per method and path (the notes' access-control matrix of subjects and operations, in the
 * discretionary style: the operator lists who may do what). One layer around every route of
 * {@link NodeApi}, so route families added later are covered too.
 *
 * <p>Configured under {@code parley.http.access}: {@code tokens { "<token>" = reader }} (a role or a
 * list of roles per token) and {@code rules = [{ methods = [GET], paths = ["/**"], roles = [reader]
 * }, ...]}. The first rule whose method and path match decides; a request no rule matches is
 * refused. In a path pattern {@code *} is one segment and a final {@code **} any number (none
 * included). No tokens configured: the API is open, as it is on loopback by default.
 *
 * <p>A missing or unknown token is answered 401 with {@code WWW-Authenticate: Bearer}; a known token
 * whose roles the rule does not allow, 403 naming the roles needed. Both are counted ({@link
 * #counts()}, shown in {@code GET /status}). Tokens are compared through their SHA-256 digests with
 * {@link MessageDigest#isEqual}, every configured token each time, so the time taken does not tell
 * how much of a guess was right.
 */
public final class AccessControl extends AllDirectives {

  /** Tokens shorter than this are refused at start: they could be guessed. */
  public static final int MIN_TOKEN_LENGTH = 16;

  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

  /** An API open to whoever reaches it. */
  public static final AccessControl OPEN = new AccessControl(List.of(), List.of());

  /** One rule: these methods on paths matching one of these patterns are allowed to these roles. */
  public record Rule(Set<String> methods, List<String> paths, Set<String> roles) {
    boolean matches(String method, List<String> segments) {
      return methods.contains(method) && paths.stream().anyMatch(p -> pathMatches(p, segments));
    }

    private static boolean pathMatches(String pattern, List<String> segments) {
      List<String> parts = segments(pattern);
      for (int i = 0; i < parts.size(); i++) {
        String part = parts.get(i);
        if (part.equals("**")) {
          return true;
        }
        if (i >= segments.size() || !(part.equals("*") || part.equals(segments.get(i)))) {
          return false;
        }
      }
      return parts.size() == segments.size();
    }
  }

  /** What the layer decided: 200 lets the request through, 401 or 403 refuse it with {@code message}. */
  public record Verdict(int status, String message) {
    static final Verdict ALLOWED = new Verdict(200, "allowed");
  }

  private record Token(byte[] digest, Set<String> roles) {}

  private final List<Token> tokens;
  private final List<Rule> rules;
  private final AtomicLong unauthorized = new AtomicLong();
  private final AtomicLong forbidden = new AtomicLong();
  private final ObjectMapper json = new ObjectMapper();

  private AccessControl(List<Token> tokens, List<Rule> rules) {
    this.tokens = tokens;
    this.rules = rules;
  }

  /**
   * The access control {@code config}'s {@code parley.http.access} describes (open if absent or
   * without tokens); a configuration that cannot be meant is an error saying what is wrong.
   */
  public static AccessControl fromConfig(Config config) {
    String at = "parley.http.access";
    if (!config.hasPath(at)) {
      return OPEN;
    }
    try {
      Config access = config.getConfig(at);
      List<Rule> rules = new ArrayList<>();
      if (access.hasPath("rules")) {
        List<? extends Config> list = access.getConfigList("rules");
        for (int i = 0; i < list.size(); i++) {
          rules.add(rule(list.get(i), at + ".rules[" + i + "]"));
        }
      }
      if (rules.isEmpty() && access.hasPath("tokens") && !access.getObject("tokens").isEmpty()) {
        throw new IllegalArgumentException(at + " has tokens but no rules: every request would be refused");
      }
      Set<String> ruleRoles = new TreeSet<>();
      rules.forEach(r -> ruleRoles.addAll(r.roles()));
      List<Token> tokens = new ArrayList<>();
      if (access.hasPath("tokens")) {
        for (Map.Entry<String, ConfigValue> e : access.getObject("tokens").entrySet()) {
          String token = e.getKey();
          if (token.length() < MIN_TOKEN_LENGTH || !token.matches("[A-Za-z0-9._~+/=-]+")) {
            throw new IllegalArgumentException("a token in " + at + ".tokens is too short or has"
                + " characters a bearer token cannot have: tokens are at least " + MIN_TOKEN_LENGTH
                + " of A-Z a-z 0-9 . _ ~ + / = -, e.g. $(head -c 24 /dev/urandom | base64)");
          }
          Set<String> roles = roles(e.getValue(), at + ".tokens");
          for (String role : roles) {
            if (!ruleRoles.contains(role)) {
              throw new IllegalArgumentException("a token in " + at + ".tokens has the role '" + role
                  + "', which no rule in " + at + ".rules allows anything; the rules' roles are " + ruleRoles);
            }
          }
          tokens.add(new Token(digest(token), roles));
        }
      }
      return tokens.isEmpty() ? OPEN : new AccessControl(List.copyOf(tokens), List.copyOf(rules));
    } catch (ConfigException | IllegalArgumentException e) {
      throw new IllegalArgumentException("bad access configuration: " + e.getMessage(), e);
    }
  }

  private static Rule rule(Config rule, String where) {
    Set<String> methods = new TreeSet<>();
    for (String m : rule.getStringList("methods")) {
      if (!METHODS.contains(m)) {
        throw new IllegalArgumentException(where + ".methods has '" + m + "'; the methods are " + new TreeSet<>(METHODS));
      }
      methods.add(m);
    }
    List<String> paths = rule.getStringList("paths");
    for (String p : paths) {
      List<String> parts = segments(p);
      if (!p.startsWith("/") || parts.indexOf("**") >= 0 && parts.indexOf("**") != parts.size() - 1) {
        throw new IllegalArgumentException(where + ".paths has '" + p + "': a path pattern starts with /,"
            + " '*' stands for one segment and '**' (last only) for any number, e.g. /protocols/*/upcalls or /kv/**");
      }
    }
    if (methods.isEmpty() || paths.isEmpty()) {
      throw new IllegalArgumentException(where + " needs at least one method and one path");
    }
    return new Rule(methods, List.copyOf(paths), roles(rule.getValue("roles"), where + ".roles"));
  }

  private static Set<String> roles(ConfigValue value, String where) {
    List<Object> raw = value.valueType() == ConfigValueType.LIST
        ? new ArrayList<>((List<?>) value.unwrapped()) : List.of(value.unwrapped());
    Set<String> roles = new TreeSet<>();
    for (Object r : raw) {
      if (!(r instanceof String s) || !s.matches("[a-z][a-z0-9-]{0,39}")) {
        throw new IllegalArgumentException(where + " has the role '" + r + "'; a role is a name of a-z, 0-9"
            + " and '-', such as reader, writer or admin");
      }
      roles.add(s);
    }
    if (roles.isEmpty()) {
      throw new IllegalArgumentException(where + " gives no role");
    }
    return roles;
  }

  /** Whether anyone reaching the API may call everything (no tokens configured). */
  public boolean open() {
    return tokens.isEmpty();
  }

  /** The refusals so far, for {@code GET /status}. */
  public Map<String, Object> counts() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("tokens", open() ? "none (open)" : "required");
    out.put("unauthorized", unauthorized.get());
    out.put("forbidden", forbidden.get());
    return out;
  }

  /**
   * The verdict on {@code method} of the path with these decoded {@code segments}, given the request's
   * {@code Authorization} header; refusals are counted.
   */
  public Verdict decide(String method, List<String> segments, Optional<String> authorization) {
    if (open()) {
      return Verdict.ALLOWED;
    }
    String path = "/" + String.join("/", segments);
    Optional<Set<String>> roles = authorization
        .filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7))
        .flatMap(h -> rolesOf(h.substring(7).strip()));
    if (roles.isEmpty()) {
      unauthorized.incrementAndGet();
      return new Verdict(401, authorization.isEmpty()
          ? "this API needs a token: send the header Authorization: Bearer <token>"
          : "the token is not valid for this node (send Authorization: Bearer <token>)");
    }
    for (Rule rule : rules) {
      if (rule.matches(method, segments)) {
        if (rule.roles().stream().anyMatch(roles.get()::contains)) {
          return Verdict.ALLOWED;
        }
        forbidden.incrementAndGet();
        return new Verdict(403, method + " " + path + " needs the role " + String.join(" or ", rule.roles())
            + "; this token has " + String.join(", ", roles.get()));
      }
    }
    forbidden.incrementAndGet();
    return new Verdict(403, "no access rule allows " + method + " " + path + " to anyone");
  }

  /** {@code inner} behind this access control. */
  public Route guard(Route inner) {
    if (open()) {
      return inner;
    }
    return extractRequest(request -> {
      List<String> segments = new ArrayList<>();
      request.getUri().pathSegments().forEach(segments::add);
      Verdict v = decide(request.method().value(), segments,
          request.getHeader("Authorization").map(HttpHeader::value));
      if (v.status() == 200) {
        return inner;
      }
      HttpResponse refusal = HttpResponse.create()
          .withStatus(v.status() == 401 ? StatusCodes.UNAUTHORIZED : StatusCodes.FORBIDDEN)
          .withEntity(ContentTypes.APPLICATION_JSON, body(v.message()));
      if (v.status() == 401) {
        refusal = refusal.addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "parley")));
      }
      return complete(refusal);
    });
  }

  private Optional<Set<String>> rolesOf(String presented) {
    byte[] digest = digest(presented);
    Set<String> found = null;
    for (Token t : tokens) {
      if (MessageDigest.isEqual(t.digest(), digest)) {
        found = t.roles();
      }
    }
    return Optional.ofNullable(found);
  }

  private String body(String message) {
    try {
      return json.writeValueAsString(Map.of("error", message));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
