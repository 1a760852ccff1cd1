/// The GGUF module; see DESIGN.md for what it owns.
public enum GGUFModule {}
