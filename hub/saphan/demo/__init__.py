"""``saphan demo``: the whole story on the embedded default, told in the terminal."""
