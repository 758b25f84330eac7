"""``python -m oracle.yuma``: the Yuma engine's command line (see ``cli``)."""
from .cli import main

if __name__ == "__main__":
    main(prog_name="python -m oracle.yuma")
