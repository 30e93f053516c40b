"""moto's server, with AWS's atomicity where our code relies on it.

moto's threaded server takes no lock: two concurrent conditional writes to one DynamoDB item
can both pass their condition (a lost update that DynamoDB never allows: the sign-in throttle
then lets a burst through), and an SQS DeleteMessage rewrites the queue's message list while a
SendMessage to the same queue appends to the old one (a lost message). Every request is
therefore handled one at a time, except an SQS ReceiveMessage: a long poll waits inside moto
for messages to arrive, so it must not hold the lock the sends need. (A receive only marks
messages in flight; SQS itself delivers at least once, which the workers already tolerate.)

Usage: moto_serve.py HOST PORT
"""

import sys
import threading

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)


class OneAtATime:
    """WSGI middleware: requests other than SQS receives run under one lock."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    @staticmethod
    def is_receive(environ) -> bool:
        # JSON protocol (the Rust SDK): the operation is in X-Amz-Target; query protocol
        # (boto3's older default): in the query string. Provisioning never receives.
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        return target == "AmazonSQS.ReceiveMessage" or "Action=ReceiveMessage" in environ.get(
            "QUERY_STRING", ""
        )

    def __call__(self, environ, start_response):
        if self.is_receive(environ):
            return self.app(environ, start_response)
        with self.lock:
            # The whole body is produced under the lock: moto's answers are lists of bytes,
            # built while the backend is still consistent.
            return list(self.app(environ, start_response))


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(
        host,
        port,
        OneAtATime(app),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
