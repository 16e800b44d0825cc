package dev.parley.cluster.http;

import akka.event.LoggingAdapter;
import akka.http.ParsingErrorHandler;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.scaladsl.model.ErrorInfo;
import akka.http.scaladsl.model.StatusCode;
import akka.http.scaladsl.settings.ServerSettings;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Map;

/**
 * Requests the HTTP parser refuses before any route sees them (a URI longer than {@code
 * akka.http.server.parsing.max-uri-length}, a malformed request line or header) are answered in JSON
 * like every other error, {@code {"error": "..."}}, with the parser's status (414, 400, 431, ...).
 * Named in {@code akka.http.server.parsing.error-handler}.
 */
public final class JsonParsingErrors extends ParsingErrorHandler {

  @Override
  public HttpResponse handle(StatusCode status, ErrorInfo error, LoggingAdapter log, ServerSettings settings) {
    String why = error.summary() + (error.detail().isEmpty() ? "" : ": " + error.detail());
    if (status.intValue() == 414) {
      why += " (a node takes URIs up to " + settings.parserSettings().maxUriLength() + " bytes; keys are at most "
          + KvRoutes.MAX_KEY_BYTES + " bytes)";
    }
    String body;
    try {
      body = Json.mapper().writeValueAsString(Map.of("error", why));
    } catch (JsonProcessingException e) {
      body = "{\"error\":\"malformed request\"}";
    }
    return HttpResponse.create().withStatus(status.intValue()).withEntity(ContentTypes.APPLICATION_JSON, body);
  }
}
