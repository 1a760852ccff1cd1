// Replay engine plugin.
