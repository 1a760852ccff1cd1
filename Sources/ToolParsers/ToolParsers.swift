/// The ToolParsers module; see DESIGN.md for what it owns.
public enum ToolParsersModule {}
