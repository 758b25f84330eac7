"""The signed miner-validator protocol: axon (server) and dendrite (client) over HTTP.

Every request is an EIP-712 signature by the caller's hotkey over the protocol version, route,
both hotkeys, a nonce, a timestamp, the timeout and keccak256 of the whole body; every response
is signed by the miner's hotkey over the request id, the status and keccak256 of its body.
`canonical` defines the messages, `axon` the server and its order of checks, `dendrite` the
client, `nonces` the durable replay window, `registry` who may call, `tasks` the typed routes.
"""

from evmtensor.protocol.axon import Axon, AxonSettings, by_stake, require_permit
from evmtensor.protocol.canonical import PROTOCOL_VERSION, SUPPORTED_VERSIONS
from evmtensor.protocol.crypto import BACKEND, Signer, recover_address
from evmtensor.protocol.dendrite import AxonTarget, CallResult, Dendrite
from evmtensor.protocol.errors import (
    AxonRefused,
    AxonUnreachable,
    CallFailed,
    CallTimeout,
    ProtocolError,
    Refusal,
    RefusalCode,
    ResponseInvalid,
    ResponseUnverified,
    SignatureInvalid,
)
from evmtensor.protocol.nonces import NonceStore
from evmtensor.protocol.registry import (
    BlockCachedRegistry,
    NeuronInfo,
    RefreshableRegistry,
    Registry,
    StaticRegistry,
)
from evmtensor.protocol.server import ServerThread, run_forever, serve_in_thread
from evmtensor.protocol.tasks import TEXT_TASK, CallContext, Task, TextRequest, TextResponse

__all__ = [
    "BACKEND",
    "PROTOCOL_VERSION",
    "SUPPORTED_VERSIONS",
    "TEXT_TASK",
    "Axon",
    "AxonRefused",
    "AxonSettings",
    "AxonTarget",
    "AxonUnreachable",
    "BlockCachedRegistry",
    "CallContext",
    "CallFailed",
    "CallResult",
    "CallTimeout",
    "Dendrite",
    "NeuronInfo",
    "NonceStore",
    "ProtocolError",
    "RefreshableRegistry",
    "Refusal",
    "RefusalCode",
    "Registry",
    "ResponseInvalid",
    "ResponseUnverified",
    "ServerThread",
    "SignatureInvalid",
    "Signer",
    "StaticRegistry",
    "Task",
    "TextRequest",
    "TextResponse",
    "by_stake",
    "recover_address",
    "require_permit",
    "run_forever",
    "serve_in_thread",
]
