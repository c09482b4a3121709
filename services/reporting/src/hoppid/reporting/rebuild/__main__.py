"""``python -m hoppid.reporting.rebuild [--fresh]``: the operator's command (replay.main)."""

from hoppid.reporting.rebuild.replay import main

if __name__ == "__main__":
    main()
