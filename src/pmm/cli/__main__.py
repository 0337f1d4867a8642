"""`python -m pmm.cli`: the `pmm` command (how `pmm serve` starts its job worker)."""

from pmm.cli import main

if __name__ == "__main__":
    main()
