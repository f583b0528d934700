"""A real python-logstash client: TCPLogstashHandler with the v0 or v1 formatter, sending a fixed set of
events to host:port, then closing the handler.

    <venv>/bin/python logstash_sender.py HOST:PORT 0|1

The events (in this order): debug, info with extra fields of several JSON types, warning, error with an
exception and its cause (logger.exception), critical, unicode, and a message with a line break. Only the
timestamps, the process id and the host name change between runs.
"""

import logging
import sys

import logstash


def charge():
    try:
        raise OSError("gateway timeout")
    except OSError as e:
        raise RuntimeError("card declined") from e


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    version = int(sys.argv[2])
    handler = logstash.TCPLogstashHandler(host, int(port), version=version, tags=["python", "orders"])
    log = logging.getLogger("orders.service")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    log.addHandler(handler)

    log.debug("debug: cart has %d items", 3)
    log.info("order paid", extra={
        "requestId": "r-42",
        "orderId": 1234,
        "amount": 19.99,
        "paid": True,
        "items": ["book", "pen"],
        "customer": {"id": 7, "vip": True, "tier": "gold"},
        "coupon": None,
    })
    log.warning("audit: price override by %s", "admin")
    try:
        charge()
    except RuntimeError:
        log.exception("payment failed")
    log.critical("disk almost full")
    log.info("unicode: Grüße aus Köln, 東京, emoji \U0001F389, quote \" backslash \\ tab\t end")
    log.info("two lines:\nsecond line")

    handler.close()


if __name__ == "__main__":
    main()
