package dev.parley.cluster.http;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.parley.cluster.Caller;
import dev.parley.cluster.Clients;
import dev.parley.cluster.Forwarding;
import dev.parley.cluster.Invocation;
import dev.parley.cluster.NodeRuntime;
import dev.parley.cluster.Operation;
import dev.parley.cluster.OperationHost;
import dev.parley.persistence.JournalHealth;
import dev.parley.persistence.JournalUnavailableException;
import dev.parley.protocols.core.NodeId;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;

/**
 * The request edge of every client operation: a JSON body mapped strictly onto the operation's
 * record, and the one ask of the instance's {@link OperationHost} with the request's timeout. The
 * generic route ({@code POST /protocols/{name}/{op}}) and the friendly ones ({@code /kv}, {@code
 * /log}, {@code /pubsub}) all come through here; nothing between peers asks.
 *
 * <p>Strict mapping: an unknown field, a missing required one, a string where a number goes (or a
 * number where a string goes), a fraction where a whole number goes and a number out of its type's
 * range are each refused (an {@link IllegalArgumentException}, a 400) naming the field and the
 * operation's JSON shape.
 */
final class Operations {

  /** How long past a request's wait the edge waits for the host, which answers at the wait itself. */
  private static final Duration SLACK = Duration.ofSeconds(2);

  private static final ObjectMapper STRICT = JsonMapper.builder()
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .addModule(new SimpleModule().addDeserializer(String.class, new StrictStrings()))
      .build();

  /**
   * Where an ask's answer is mapped: on the thread that completed it, at once (the mappings are a few
   * field reads). The stage Akka's {@code AskPattern} returns is a Scala future's, whose non-async
   * methods ({@code handle}, {@code thenApply}, ...) run asynchronously on {@code
   * ForkJoinPool.commonPool()}; on a machine with two cores that pool has parallelism 1, and then
   * {@code CompletableFuture} starts a new thread for every such task: measured, a thread started per
   * answered request. Every ask of the HTTP edge maps its answer here instead.
   */
  static final Executor WHERE_ANSWERED = Runnable::run;

  private final ActorSystem<?> system;

  Operations(ActorSystem<?> system) {
    this.system = system;
  }

  /**
   * {@code body} (null: none) mapped onto {@code operation}'s record; what does not map is an
   * {@link IllegalArgumentException} naming the field and the operation's shape.
   */
  static Record map(Operation<?> operation, JsonNode body) {
    JsonNode given = body == null ? JsonNodeFactory.instance.objectNode() : body;
    String takes = operation.name() + " takes " + operation.shape();
    if (!given.isObject()) {
      throw new IllegalArgumentException("the body of " + operation.name() + " is a JSON object; " + takes);
    }
    Set<String> fields = Arrays.stream(operation.body().getRecordComponents()).map(RecordComponent::getName)
        .collect(Collectors.toSet());
    for (Iterator<String> names = given.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!fields.contains(name)) {
        throw new IllegalArgumentException("unknown field \"" + Clients.abbreviate(name) + "\"; " + takes);
      }
    }
    Record mapped;
    try {
      mapped = STRICT.treeToValue(given, operation.body());
    } catch (ValueInstantiationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalArgumentException((cause.getMessage() == null ? cause.toString() : cause.getMessage()) + "; "
          + takes);
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException("unknown field \"" + e.getPropertyName() + "\"; " + takes);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(reason(e) + "; " + takes);
    }
    for (RecordComponent c : operation.body().getRecordComponents()) {
      if (Operation.required(c) && value(c, mapped) == null) {
        throw new IllegalArgumentException("\"" + c.getName() + "\" is missing; " + takes);
      }
    }
    return mapped;
  }

  private static String reason(JsonProcessingException e) {
    String field = e instanceof JsonMappingException m && !m.getPath().isEmpty()
        ? m.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
            .collect(Collectors.joining(".")) : null;
    String message = e.getOriginalMessage();
    if (message.startsWith("Missing required creator property")) {
      return "\"" + field + "\" is missing";
    }
    String first = message.lines().findFirst().orElse(message);
    Class<?> target = e instanceof MismatchedInputException m ? m.getTargetType() : null;
    if (field == null) {
      return first;
    }
    if (target == null || first.contains("out of range")) {
      return "\"" + field + "\" is not valid (" + first + ")";
    }
    String type = Operation.typeName(target);
    return "\"" + field + "\" must be " + (type.contains(" or ") ? "" : "aeiou".indexOf(type.charAt(0)) >= 0 ? "an "
        : "a ") + type + " (" + first + ")";
  }

  private static Object value(RecordComponent c, Record r) {
    try {
      Method accessor = c.getAccessor();
      accessor.trySetAccessible();
      return accessor.invoke(r);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getName(), e);
    }
  }

  /**
   * {@code invocation} at {@code instance} for {@code caller}: what the instance's operation host
   * answered within {@code wait} ({@link OperationHost.TimedOut} if it did not). If it did not and
   * the node's journal refuses writes ({@link JournalHealth}), fails with a {@link
   * JournalUnavailableException} saying why and what to do (a 503): a durable protocol acknowledges
   * nothing it could not write, so the timeout was the full disk's doing.
   */
  CompletionStage<OperationHost.Outcome> ask(NodeRuntime.Instance instance, Invocation invocation, Caller caller,
      Duration wait, String label) {
    return AskPattern.<Object, Object>ask(instance.operations(),
            replyTo -> new OperationHost.Invoke(invocation, caller.client(), label, wait, replyTo),
            wait.plus(SLACK), system.scheduler())
        .handleAsync((answer, error) -> error != null ? new OperationHost.TimedOut()
            : answer instanceof OperationHost.Outcome o ? o : new OperationHost.Answered(answer), WHERE_ANSWERED)
        .thenApply(outcome -> {
          if (outcome instanceof OperationHost.TimedOut) {
            JournalHealth.get(system).refusal().ifPresent(why -> {
              throw new JournalUnavailableException(instance.name() + " did not answer within " + wait.toMillis()
                  + " ms: " + why + "; nothing that needed a write was acknowledged");
            });
          }
          return outcome;
        });
  }

  /**
   * {@code request} (an invocation's request), which this node's replica of {@code instance} does not
   * serve, carried out at {@code leader} ({@link Forwarding}): the leader's reply within {@code wait},
   * or an empty {@link Forwarding.Reply} (no answer, no conflict) if none came.
   */
  CompletionStage<Forwarding.Reply> forward(NodeRuntime.Instance instance, NodeId leader, Object request,
      Duration wait, String label) {
    return AskPattern.<Object, Object>ask(instance.operations(),
            replyTo -> new Forwarding.Request(leader, request, label, wait.toMillis(), replyTo),
            wait.plus(SLACK), system.scheduler())
        .handleAsync((answer, error) -> answer instanceof Forwarding.Reply r ? r
            : new Forwarding.Reply(leader, null, null), WHERE_ANSWERED);
  }

  /**
   * Operation {@code op} on {@code body} as a trace shows it, at most {@value #MAX_LABEL} characters:
   * {@code put k=v}, {@code multicast "hi"}, {@code acquire}; strings quoted, other values as they print.
   */
  static String label(String op, Record body) {
    StringBuilder s = new StringBuilder(op);
    if (body != null) {
      RecordComponent[] components = COMPONENTS.get(body.getClass());
      List<String> names = NAMES.get(body.getClass());
      boolean keyValue = names.contains("key") && names.contains("value");
      for (RecordComponent c : components) {
        Object v = value(c, body);
        if (v == null || keyValue && c.getName().equals("value")) {
          continue;
        }
        s.append(' ');
        if (keyValue && c.getName().equals("key")) {
          s.append(v).append('=').append(value(components[names.indexOf("value")], body));
        } else {
          s.append(components.length == 1 ? "" : c.getName() + "=").append(shown(v));
        }
      }
    }
    return s.length() <= MAX_LABEL ? s.toString() : s.substring(0, MAX_LABEL - 3) + "...";
  }

  private static final int MAX_LABEL = 60;

  /** A record type's components, looked up once per type (every request is labelled). */
  private static final ClassValue<RecordComponent[]> COMPONENTS = new ClassValue<>() {
    @Override
    protected RecordComponent[] computeValue(Class<?> type) {
      RecordComponent[] components = type.getRecordComponents();
      for (RecordComponent c : components) {
        c.getAccessor().trySetAccessible();
      }
      return components;
    }
  };

  private static final ClassValue<List<String>> NAMES = new ClassValue<>() {
    @Override
    protected List<String> computeValue(Class<?> type) {
      return Arrays.stream(COMPONENTS.get(type)).map(RecordComponent::getName).toList();
    }
  };

  private static String shown(Object v) {
    return v instanceof String text ? "\"" + text + "\"" : String.valueOf(v);
  }

  /** The invocation of operation {@code op} of {@code instance} on {@code body} for {@code caller}. */
  static Invocation invocation(NodeRuntime.Instance instance, String op, Record body, Caller caller) {
    return instance.kind().operation(op).invoke(caller, body);
  }

  /** Strings only from JSON strings: a number or a boolean is not read as its text. */
  private static final class StrictStrings extends StdScalarDeserializer<String> {
    StrictStrings() {
      super(String.class);
    }

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (p.hasToken(JsonToken.VALUE_STRING)) {
        return p.getText();
      }
      return (String) ctxt.handleUnexpectedToken(String.class, p);
    }
  }
}
