/// The ChatTemplates module; see DESIGN.md for what it owns.
public enum ChatTemplatesModule {}
