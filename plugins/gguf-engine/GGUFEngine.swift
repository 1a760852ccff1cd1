// GGUF engine plugin.
