/* OpenBLAS backend plugin: no public declarations; the entry symbol is toolshell_plugin_entry. */
