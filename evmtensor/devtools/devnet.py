"""The local devnet's pieces: its configuration, its neurons on chain, their key files, and the
command lines of the relay, miners and validators it supervises (:mod:`.devnet_run` runs them).

Development keys are derived from Anvil's public test mnemonic, so a restart finds the same
coldkeys and hotkeys and reuses the chain it left (nothing is registered twice). Account roles:
0 deploys and accrues emission, 1 owns subnet 1 (owner hotkey 0), 2.. are the validators' and
then the miners' coldkeys (hotkeys 1..), 8 is a nominator staking to validator 0, and 9 pays the
relay's gas. Every hotkey is written as an unencrypted keystore in a wallet under
``<data-dir>/wallets`` (public test keys: a password would protect nothing), so the children read
their secrets from files, never from their command lines.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from evmtensor.chain import actions
from evmtensor.chain.client import ChainClient
from evmtensor.devtools.accounts import dev_account, dev_hotkey
from evmtensor.devtools.supervisor import ChildSpec
from evmtensor.errors import ConfigError
from evmtensor.paths import BUILD_DIR
from evmtensor.units import RAO_PER_TAO
from evmtensor.wallet.keystore import encrypt_key, write_keystore
from evmtensor.wallet.wallet import Wallet

__all__ = ["DevnetConfig", "GENESIS_RAO", "NOMINATOR", "RELAY_SUBMITTER", "child_specs", "populate",
           "validator_hotkeys", "miner_hotkeys", "write_hotkeys"]

GENESIS_RAO = 100_000 * RAO_PER_TAO
NOMINATOR = 8  # dev account that stakes to validator 0 (its dividends show the nominator's share)
RELAY_SUBMITTER = 9  # dev account that pays the relay's gas
MAX_NEURONS = NOMINATOR - 2  # coldkeys 2..7
GAS_WEI = 10**20  # 100 ETH to each hotkey: they send serveAxon themselves


@dataclass(frozen=True)
class DevnetConfig:
    """One devnet: its folder, base port (Anvil; the others follow it) and what it runs."""

    data_dir: Path
    port: int = 8545
    profile: str = "devnet"
    miners: int = 3
    validators: int = 2
    model: str = "smollm2"  # "tiny", "smollm2" or a model folder
    validator_stake_tao: int = 5
    nominator_stake_tao: int = 2
    block_time: float = 1.0

    def __post_init__(self):
        if self.miners + self.validators > MAX_NEURONS:
            raise ConfigError(f"at most {MAX_NEURONS} miners and validators together "
                              f"(got {self.miners} + {self.validators})")

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def relay_port(self) -> int:
        return self.port + 1

    @property
    def relay_url(self) -> str:
        return f"http://127.0.0.1:{self.relay_port}"

    def validator_port(self, i: int) -> int:
        return self.port + 10 + i

    def miner_port(self, j: int) -> int:
        return self.port + 20 + j

    @property
    def deployment(self) -> Path:
        return self.data_dir / "deployment.json"

    @property
    def relay_db(self) -> Path:
        """The relay's SQLite store (``devnet snapshot`` copies it, ``devnet revert`` restores it)."""
        return self.data_dir / "relay.sqlite"

    @property
    def wallets(self) -> Path:
        return self.data_dir / "wallets"

    @property
    def tiny_model(self) -> Path:
        """The tiny model's folder: built once per checkout, beside the compiled contracts."""
        return BUILD_DIR / "models" / "tiny-gpt2"


def validator_hotkeys(cfg: DevnetConfig):
    return [dev_hotkey(1 + i) for i in range(cfg.validators)]


def miner_hotkeys(cfg: DevnetConfig):
    return [dev_hotkey(1 + cfg.validators + j) for j in range(cfg.miners)]


def populate(client: ChainClient, cfg: DevnetConfig) -> int:
    """Register subnet 1, its neurons, their stake and the nominator unless the chain already has
    them; serve the miners' axons. Returns the netuid."""
    existing = client.view("SubnetRegistry", "activeNetuids")
    if existing:
        return existing[0]
    netuid = actions.register_subnet(client, dev_account(1), dev_hotkey(0))
    hotkeys = validator_hotkeys(cfg) + miner_hotkeys(cfg)
    for i, hotkey in enumerate(hotkeys):
        client.w3.provider.make_request("anvil_setBalance", [hotkey.address, hex(GAS_WEI)])
        actions.register_neuron(client, netuid, dev_account(2 + i), hotkey)
    for i, hotkey in enumerate(validator_hotkeys(cfg)):
        actions.stake(client, netuid, dev_account(2 + i), hotkey.address, cfg.validator_stake_tao * RAO_PER_TAO)
    if cfg.validators:
        actions.stake(client, netuid, dev_account(NOMINATOR), validator_hotkeys(cfg)[0].address,
                      cfg.nominator_stake_tao * RAO_PER_TAO)
    for j, hotkey in enumerate(miner_hotkeys(cfg)):
        actions.serve_axon(client, netuid, hotkey, "127.0.0.1", cfg.miner_port(j))
    actions.accrue(client, dev_account(0))
    return netuid


def write_hotkeys(cfg: DevnetConfig) -> None:
    """One wallet per neuron (``validator-I``/``miner-J``, hotkey ``default``) under the data
    folder; existing files are kept."""
    named = [(f"validator-{i}", k) for i, k in enumerate(validator_hotkeys(cfg))]
    named += [(f"miner-{j}", k) for j, k in enumerate(miner_hotkeys(cfg))]
    for name, account in named:
        path = Wallet(name, cfg.wallets).hotkey_file("default")
        if not path.exists():
            meta = {"role": "hotkey", "wallet": name, "name": "default"}
            write_keystore(path, encrypt_key(bytes(account.key), None, meta=meta))


def _model_arg(cfg: DevnetConfig) -> str:
    return str(cfg.tiny_model) if cfg.model == "tiny" else cfg.model


def _wallet_args(cfg: DevnetConfig, name: str) -> list[str]:
    return ["--wallet-name", name, "--hotkey", "default", "--wallet-path", str(cfg.wallets)]


def child_specs(cfg: DevnetConfig, netuid: int, *, relay_flag: bool = True) -> list[ChildSpec]:
    """The relay, the miners and the validators, each with its port and environment.

    ``relay_flag``: give the validators ``--relay-url`` (weights and attestations through the
    relay); without it they run on their own (a validator build that does not know the flag).
    """
    py = sys.executable
    offline = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    relay = ChildSpec("relay", [py, "-m", "oracle.relay"], {
        **offline, "RELAY_RPC_URL": cfg.rpc_url, "RELAY_DEPLOYMENT": str(cfg.deployment),
        "RELAY_SUBMITTER_KEY": dev_account(RELAY_SUBMITTER).key.hex(),
        "RELAY_DB": str(cfg.relay_db), "RELAY_HOST": "127.0.0.1",
        "RELAY_PORT": str(cfg.relay_port),
    }, cfg.relay_port)
    chain = ["--deployment", str(cfg.deployment), "--netuid", str(netuid), "--rpc-url", cfg.rpc_url]
    model = _model_arg(cfg)
    miners = [
        ChildSpec(f"miner-{j}", [py, "-m", "miner", *_wallet_args(cfg, f"miner-{j}"), *chain,
                                 "--port", str(cfg.miner_port(j)), "--model", model,
                                 "--data-dir", str(cfg.data_dir / "neurons" / f"miner-{j}")],
                  offline, cfg.miner_port(j))
        for j in range(cfg.miners)
    ]
    fast = cfg.profile == "fast"
    validators = []
    for i in range(cfg.validators):
        env = {**offline, "VALIDATOR_DATA_DIR": str(cfg.data_dir / "neurons" / f"validator-{i}"),
               "VALIDATOR_ROUND_INTERVAL_S": "2" if fast else "12",
               "VALIDATOR_WEIGHTS_INTERVAL_S": "4" if fast else "120", "VALIDATOR_TIMEOUT_S": "10"}
        if model != "smollm2":
            env["VALIDATOR_MODEL"] = model
        argv = [py, "-m", "validator", *_wallet_args(cfg, f"validator-{i}"), *chain,
                "--gateway-port", str(cfg.validator_port(i))]
        if relay_flag:
            argv += ["--relay-url", cfg.relay_url]
        validators.append(ChildSpec(f"validator-{i}", argv, env, cfg.validator_port(i)))
    return [relay, *miners, *validators]
