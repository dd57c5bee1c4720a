"""One module per ``supportbot`` subcommand (see ``bot/cli.py``)."""
