"""The oracle relay: accepts validators' signed weights, commits and reveals over HTTP, keeps
them in a durable SQLite queue, and posts them to the Weights contract in batches.

The relay is untrusted: everything it posts is signed by a validator (or bound to a signed
commit), the contract checks it all again, and a message posted twice applies once. Run it with
``python -m oracle.relay`` and ``RELAY_*`` settings (oracle.relay.settings).
"""

from oracle.relay.app import create_app
from oracle.relay.settings import RelaySettings

__all__ = ["RelaySettings", "create_app"]
