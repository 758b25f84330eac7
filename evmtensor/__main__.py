"""``python -m evmtensor``: the same as the ``evmtensor`` console script."""

from evmtensor.cli import main

main()
