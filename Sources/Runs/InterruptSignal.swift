import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (SIGINT) and SIGTERM as a flag that long loops poll between iterations, so an
/// interrupted run can flush its store, write its last image and exit cleanly (status 130).
public final class InterruptSignal: Sendable {
  /// The process-wide instance; `install()` must be called before the loop starts.
  public static let shared = InterruptSignal()

  private let raised = Atomic<Int32>(0)
  private let sources = Mutex<[DispatchSourceSignal]>([])

  /// Routes SIGINT and SIGTERM to this flag instead of killing the process.
  public func install() {
    sources.withLock { installed in
      guard installed.isEmpty else { return }
      for number in [SIGINT, SIGTERM] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { [self] in raised.store(number, ordering: .relaxed) }
        source.resume()
        installed.append(source)
      }
    }
  }

  /// The signal received, if any.
  public var received: Int32? {
    let value = raised.load(ordering: .relaxed)
    return value == 0 ? nil : value
  }
}
