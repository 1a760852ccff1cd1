import CEditLine

/// The flag SIGINT sets: one allocation owned by this module, so every caller (and the signal
/// handler) sees the same cell in debug, release and cross-module-optimised builds.
nonisolated(unsafe) private let interruptCell: UnsafeMutablePointer<sig_atomic_t> = {
    let cell = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
    cell.initialize(to: 0)
    return cell
}()

/// The SIGINT handler: only an async-signal-safe store.
private func onInterruptSignal(_ signal: Int32) {
    ts_store_flag(interruptCell, 1)
}

/// Whether Ctrl-C was pressed since the flag was last cleared (SIGINT sets it).
func interruptRequested() -> Bool { ts_load_flag(interruptCell) != 0 }

/// Clears the Ctrl-C flag before a generation or tool run starts.
func clearInterrupt() { ts_store_flag(interruptCell, 0) }

/// Sets the flag as SIGINT would (tests, and cancelling from code).
func requestInterrupt() { ts_store_flag(interruptCell, 1) }

/// Installs the SIGINT handler that sets the flag, and ignores SIGPIPE.
func installInterruptHandler() {
    _ = interruptRequested()  // initialises the cell before the handler can touch it
    _ = ts_install_sigint_handler(onInterruptSignal)
    ts_ignore_sigpipe()
}
