"""``python -m saphan``: the same as the ``saphan`` command."""

from saphan.cli import main

if __name__ == "__main__":
    main()
