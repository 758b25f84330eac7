"""Request and response bodies of the relay (separate In and Out models)."""

from __future__ import annotations

from typing import Annotated

from eth_utils import is_address, to_checksum_address
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from evmtensor.chain.subnets import MAX_UIDS, MAX_VALIDATORS
from evmtensor.chain.weights import CommitMessage, Reveal, SignedCommit, SignedWeights, WeightsRow
from oracle.epoch.result import Attestation, SettlementResult
from oracle.relay.store import Submission

__all__ = ["AttestationIn", "CommitIn", "RevealIn", "SubmissionOut", "WeightsIn"]

U16 = Annotated[int, Field(ge=0, le=2**16 - 1, strict=True)]
U64 = Annotated[int, Field(ge=0, le=2**64 - 1, strict=True)]


def _address(value: str) -> str:
    if not is_address(value):
        raise ValueError("not a 20-byte hex address")
    return to_checksum_address(value)


def _hex_bytes(length: int | None):
    def check(value: str) -> bytes:
        raw = value.removeprefix("0x")
        try:
            out = bytes.fromhex(raw)
        except ValueError:
            raise ValueError("not hex") from None
        if length is not None and len(out) != length:
            raise ValueError(f"expected {length} bytes, got {len(out)}")
        return out

    return check


#: Hex in, bytes inside, hex out again (so that model_dump is JSON as it came, with no warning).
_AS_HEX = PlainSerializer(lambda b: "0x" + b.hex(), return_type=str)

Address = Annotated[str, Field(max_length=42), AfterValidator(_address)]
Signature = Annotated[str, Field(max_length=140), AfterValidator(_hex_bytes(65)), _AS_HEX]
Bytes32 = Annotated[str, Field(max_length=66), AfterValidator(_hex_bytes(32)), _AS_HEX]
#: A result's bonds bytes: per UID a u16 count, then 4 bytes per entry of a validator's row.
_MAX_BONDS_BYTES = 2 * MAX_UIDS + 4 * MAX_UIDS * MAX_VALIDATORS
BondsBytes = Annotated[str, Field(max_length=2 + 2 * _MAX_BONDS_BYTES), AfterValidator(_hex_bytes(None)), _AS_HEX]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WeightsIn(_In):
    """A weights row signed by ``hotkey`` (see evmtensor.chain.weights for the typed data)."""

    hotkey: Address
    netuid: U16
    uids: list[U16] = Field(max_length=MAX_UIDS)
    values: list[U16] = Field(max_length=MAX_UIDS)
    version_key: U64
    nonce: U64
    deadline_block: U64
    signature: Signature

    def signed(self) -> SignedWeights:
        row = WeightsRow(self.netuid, tuple(self.uids), tuple(self.values), self.version_key, self.nonce,
                         self.deadline_block)
        return SignedWeights(self.hotkey, row, self.signature)


class CommitIn(_In):
    hotkey: Address
    netuid: U16
    commit_hash: Bytes32
    nonce: U64
    deadline_block: U64
    signature: Signature

    def signed(self) -> SignedCommit:
        return SignedCommit(self.hotkey, CommitMessage(self.netuid, self.commit_hash, self.nonce, self.deadline_block),
                            self.signature)


class RevealIn(_In):
    hotkey: Address
    netuid: U16
    uids: list[U16] = Field(max_length=MAX_UIDS)
    values: list[U16] = Field(max_length=MAX_UIDS)
    version_key: U64
    salt: Bytes32

    def reveal(self) -> Reveal:
        return Reveal(self.hotkey, self.netuid, tuple(self.uids), tuple(self.values), self.version_key, self.salt)


class AttestationIn(_In):
    """One validator's (``uid`` at the epoch's snapshot) EIP-712 signature of an epoch's result
    (``oracle.epoch.SettlementResult`` + ``Attestation``)."""

    netuid: U16
    epoch: U64
    snapshot_block: U64
    inputs_hash: Bytes32
    incentive: list[U16] = Field(max_length=MAX_UIDS)
    dividends: list[U16] = Field(max_length=MAX_UIDS)
    permits: list[Annotated[bool, Field(strict=True)]] = Field(max_length=MAX_UIDS)
    bonds: BondsBytes
    uid: U16
    hotkey: Address
    signature: Signature

    def result(self) -> SettlementResult:
        return SettlementResult(self.netuid, self.epoch, self.snapshot_block, self.inputs_hash, tuple(self.incentive),
                                tuple(self.dividends), tuple(self.permits), self.bonds)

    def attestation(self) -> Attestation:
        return Attestation(self.uid, self.hotkey, self.signature)


class SubmissionOut(BaseModel):
    """The receipt of an accepted message and, later, its outcome on chain."""

    id: str = Field(description="the message digest (EIP-712 hash; a reveal's commit hash)")
    kind: str
    netuid: int
    hotkey: str
    nonce: int
    status: str = Field(description="queued | sent | landed | rejected | failed")
    tx_hash: str | None = None
    block: int | None = None
    reason: str | None = None
    received_at: float
    duplicate: bool = False

    @classmethod
    def of(cls, s: Submission, duplicate: bool = False) -> SubmissionOut:
        return cls(id=s.digest, kind=s.kind.value, netuid=s.netuid, hotkey=s.hotkey, nonce=s.nonce,
                   status=s.status.value, tx_hash=s.tx_hash, block=s.block, reason=s.reason,
                   received_at=s.received_at, duplicate=duplicate)
