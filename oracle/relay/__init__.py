"""The oracle relay: accepts validators' signed weights, commits, reveals and epoch attestations
over HTTP, keeps them in a durable SQLite queue, posts the weights to the Weights contract in
batches, and settles an epoch on EpochSettlement once a quorum of its validators' stake signed the
same result. ``oracle.relay.client.RelayClient`` is the validators' side.

The relay is untrusted: everything it posts is signed by a validator (or bound to a signed
commit), the contract checks it all again, and a message posted twice applies once. Run it with
``python -m oracle.relay`` and ``RELAY_*`` settings (oracle.relay.settings).
"""

from oracle.relay.app import create_app
from oracle.relay.settings import RelaySettings

__all__ = ["RelaySettings", "create_app"]
