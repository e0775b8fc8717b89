"""Run the embedded MongoDB-wire server (SecantusDB) as its own process, for the dev
runner and the tests. Unlike `secantusd-py` it sets the transaction lifetime: a worker
killed mid-transaction leaves that transaction open until the lifetime passes, and a
short lifetime (production: mongod's transactionLifetimeLimitSeconds) frees it sooner."""
from __future__ import annotations

import argparse
import logging
import signal
import sys

from secantus import SecantusDBServer


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="confer-devdb")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--storage-path", required=True)
    parser.add_argument("--transaction-lifetime", type=float, default=10.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    server = SecantusDBServer(host=args.host, port=args.port, storage_path=args.storage_path,
                              enable_test_commands=False, transaction_lifetime_seconds=args.transaction_lifetime)

    def stop(signum, frame):
        server.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    server.start()
    server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
