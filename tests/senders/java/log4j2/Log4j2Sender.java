// A real log4j2 client: SocketAppender (TCP) + JsonTemplateLayout with one of log4j2's bundled event
// templates, sending a fixed set of events to host:port, then shutting log4j2 down (flush + close).
//
//   java -cp <classpath>:. -Dlog4j2.configurationFile=log4j2.xml -Dlogpipe.host=H -Dlogpipe.port=P \
//        -Dlogpipe.template=EcsLayout.json [-Dlogpipe.nul=true] Log4j2Sender
//
// The events (in this order): trace, debug, info with ThreadContext (MDC) and an NDC entry, info with
// custom fields (from the layout's additional fields: string, object, boolean), warn, error with an
// exception and a cause, unicode, and a message with a line break. Only timestamps, thread ids and the
// host name change between runs.

import java.io.IOException;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.ThreadContext;

public final class Log4j2Sender {
  public static void main(String[] args) {
    Thread.currentThread().setName("sender-main");
    Logger log = LogManager.getLogger("com.example.orders.OrderService");

    log.trace("trace: entering checkout");
    log.debug("debug: cart has {} items", 3);

    ThreadContext.put("requestId", "r-42");
    ThreadContext.put("userId", "u-7");
    ThreadContext.push("checkout");
    log.info("order placed");
    ThreadContext.clearAll();

    log.info("order paid by {}", "card");
    log.warn("audit: price override by {}", "admin");

    try {
      charge();
    } catch (IllegalStateException e) {
      log.error("payment failed", e);
    }

    log.info("unicode: Grüße aus Köln, 東京, emoji \uD83C\uDF89, quote \" backslash \\ tab\t end");
    log.info("two lines:\nsecond line");

    LogManager.shutdown();
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
