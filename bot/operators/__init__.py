"""Operator tools: look into threads, travel in time, replay, statistics.

Shared by the ``supportbot`` CLI (``bot/cli/{threads,history,show,rewind,
replay,stats}.py``) and the ``/support`` slash command
(``bot/listeners/commands/``). Reading never changes a thread; ``rewind`` forks
it under the thread's lease; ``replay`` runs on a scratch copy.
"""
