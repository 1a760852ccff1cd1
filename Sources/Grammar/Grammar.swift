/// The Grammar module; see DESIGN.md for what it owns.
public enum GrammarModule {}
