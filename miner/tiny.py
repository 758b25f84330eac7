"""A tiny GPT-2 (2 layers, byte-level BPE trained on a few KB of text) built in seconds.

For tests, benchmarks of the network around the model, and devnets on small machines: it runs
the real transformers code path (tokenizer, left padding, ``generate``) at hundreds of tokens per
second. It is trained briefly (seeded), so two builds answer alike.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["build_tiny_gpt2"]

_CORPUS = (
    "The validator sends a prompt to every miner and scores the answers. "
    "A miner serves a language model and signs each reply with its hotkey. "
    "Stake flows into subnets through constant product pools of TAO and alpha. "
    "The quick brown fox jumps over the lazy dog while the cat sleeps in the sun. "
    "Embeddings place sentences with similar meaning close together in space. "
    "user: assistant: system: Hello, how are you today? I am fine, thank you. "
)


def build_tiny_gpt2(folder: Path, *, seed: int = 0, vocab_size: int = 400,
                    layers: int = 2, width: int = 64, steps: int = 60) -> Path:
    """Write a tiny GPT-2 model and its tokenizer to `folder` (created); returns `folder`."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator([_CORPUS] * 20, vocab_size=vocab_size, min_frequency=1,
                            special_tokens=["<|endoftext|>"], show_progress=False)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<|endoftext|>",
                                        eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    tokenizer.save_pretrained(folder)
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=512, n_embd=width, n_layer=layers,
                        n_head=2, bos_token_id=tokenizer.eos_token_id,
                        eos_token_id=tokenizer.eos_token_id)
    model = GPT2LMHeadModel(config)
    _train(model, tokenizer(_CORPUS * 4)["input_ids"], steps)
    model.eval()
    with torch.no_grad():
        # Tied embeddings: a zero row gives end-of-text a logit of 0, below the best of ~400
        # random logits, so random weights still answer with text rather than stop at once.
        model.transformer.wte.weight[tokenizer.eos_token_id] = 0.0
    model.save_pretrained(folder)
    return folder


def _train(model, ids: list[int], steps: int, window: int = 32, batch: int = 16) -> None:
    """A few AdamW steps of next-token prediction on random windows of `ids`."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a model this small trains fastest on one thread (20x on 2 busy cores)
    try:
        _steps(model, torch.tensor(ids), steps, window, batch)
    finally:
        torch.set_num_threads(threads)


def _steps(model, data, steps: int, window: int, batch: int) -> None:
    import torch

    generator = torch.Generator().manual_seed(0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        starts = torch.randint(0, len(data) - window - 1, (batch,), generator=generator)
        x = torch.stack([data[s:s + window] for s in starts.tolist()])  # (batch, window)
        loss = model(input_ids=x, labels=x).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
