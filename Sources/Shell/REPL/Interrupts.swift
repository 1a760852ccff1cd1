import CEditLine
import Foundation

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

/// Where a session's Ctrl-C comes from: the process's SIGINT flag (the shell), or a private flag
/// (tests and embedders, so sessions running side by side do not cancel one another).
final class InterruptSource: @unchecked Sendable {
    /// The process-wide flag that SIGINT sets.
    static let processSignal = InterruptSource(isPrivate: false)

    private let isPrivate: Bool
    private let lock = NSLock()
    private var requested = false

    private init(isPrivate: Bool) { self.isPrivate = isPrivate }

    /// A flag of its own, set only through `request()`.
    static func makePrivate() -> InterruptSource { InterruptSource(isPrivate: true) }

    /// Whether an interrupt was requested since the last `clear()`.
    var isRequested: Bool {
        guard isPrivate else { return interruptRequested() }
        lock.lock(); defer { lock.unlock() }
        return requested
    }

    /// Forgets an earlier request (a generation or tool run is starting).
    func clear() {
        guard isPrivate else { clearInterrupt(); return }
        lock.lock(); requested = false; lock.unlock()
    }

    /// Requests an interrupt, as Ctrl-C does.
    func request() {
        guard isPrivate else { requestInterrupt(); return }
        lock.lock(); requested = true; lock.unlock()
    }
}
