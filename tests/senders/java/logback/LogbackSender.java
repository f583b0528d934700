// A real logback + logstash-logback-encoder client: sends a fixed set of events with
// LogstashTcpSocketAppender to host:port, then stops logback, which flushes the appender's ring buffer.
//
//   java -cp <classpath> -Dlogback.configurationFile=logback-<variant>.xml -Dlogpipe.dest=HOST:PORT LogbackSender
//
// The events (the same in every variant, in this order): trace, debug, info with MDC, info with
// markers of several JSON types, info with slf4j 2 key/values, warn with a plain marker, error with an
// exception and a cause, unicode, and a message with a line break. Only the timestamps, thread ids and
// host name change between runs.

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.LoggerContext;
import net.logstash.logback.argument.StructuredArguments;
import net.logstash.logback.marker.Markers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.MarkerFactory;

public final class LogbackSender {
  public static void main(String[] args) throws Exception {
    Thread.currentThread().setName("sender-main");
    Logger log = LoggerFactory.getLogger("com.example.orders.OrderService");

    log.trace("trace: entering checkout");
    log.debug("debug: cart has {} items", 3);

    MDC.put("requestId", "r-42");
    MDC.put("userId", "u-7");
    log.info("order placed");
    MDC.clear();

    Map<String, Object> customer = new LinkedHashMap<>();
    customer.put("id", 7);
    customer.put("vip", true);
    customer.put("tier", "gold");
    log.info(Markers.append("orderId", 1234)
            .and(Markers.append("amount", 19.99))
            .and(Markers.append("paid", true))
            .and(Markers.append("items", List.of("book", "pen")))
            .and(Markers.append("customer", customer))
            .and(Markers.append("coupon", null)),
        "order paid by {}", StructuredArguments.kv("method", "card"));

    log.atInfo().addKeyValue("attempt", 3).addKeyValue("backoffMs", 250L).log("retrying stock service");

    log.warn(MarkerFactory.getMarker("AUDIT"), "audit: price override by {}", "admin");

    try {
      charge();
    } catch (IllegalStateException e) {
      log.error("payment failed", e);
    }

    log.info("unicode: Grüße aus Köln, 東京, emoji \uD83C\uDF89, quote \" backslash \\ tab\t end");
    log.info("two lines:\nsecond line");

    // Stopping the context stops the appender, which first sends what is still in its ring buffer.
    ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
  }

  private static void charge() {
    try {
      callGateway();
    } catch (IOException e) {
      throw new IllegalStateException("card declined", e);
    }
  }

  private static void callGateway() throws IOException {
    throw new IOException("gateway timeout");
  }
}
