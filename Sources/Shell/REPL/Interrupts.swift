import CEditLine

// The flag lives in a `static` cell of a header inline function, so each object file that
// called those C functions directly would get its own copy: every Swift access goes through
// this file.

/// Whether Ctrl-C was pressed since the flag was last cleared (SIGINT sets it).
func interruptRequested() -> Bool { ts_interrupted() != 0 }

/// Clears the Ctrl-C flag before a generation or tool run starts.
func clearInterrupt() { ts_clear_interrupt() }

/// Sets the flag as SIGINT would (tests, and cancelling from code).
func requestInterrupt() { ts_raise_interrupt() }

/// Installs the SIGINT handler that sets the flag, and ignores SIGPIPE.
func installInterruptHandler() {
    _ = ts_install_sigint_handler()
    ts_ignore_sigpipe()
}
