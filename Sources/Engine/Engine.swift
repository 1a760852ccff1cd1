/// The Engine module; see DESIGN.md for what it owns.
public enum EngineModule {}
