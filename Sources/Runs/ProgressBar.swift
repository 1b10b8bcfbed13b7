import Foundation

/// A one-line progress display on standard error: a bar, the step count, a caller-supplied
/// status (the loss terms), the rate and the estimated time left. On a terminal it redraws in
/// place; otherwise (a log file, CI) it prints a line every `printEvery` steps.
public struct ProgressBar {
  /// Steps in all.
  public let total: Int
  /// What the rate counts ("it" for iterations).
  public let unit: String
  /// Print a line every this many steps when not on a terminal.
  public let printEvery: Int
  private let start = monotonicSeconds()
  private let interactive = isatty(STDERR_FILENO) != 0
  private var lastDraw = 0.0
  /// The step the bar started at (a resumed run's): the rate counts the steps made since.
  public let first: Int

  /// A bar for `total` steps, of which `first` were done before it started (a resumed run).
  public init(total: Int, unit: String = "it", printEvery: Int = 10, startingAt first: Int = 0) {
    self.total = total
    self.unit = unit
    self.printEvery = max(printEvery, 1)
    self.first = first
  }

  /// Shows step `done` of `total` with `status`.
  public mutating func update(_ done: Int, status: String, force: Bool = false) {
    let now = monotonicSeconds()
    let elapsed = now - start
    let rate = elapsed > 0 ? Double(done - first) / elapsed : 0
    let left = rate > 0 ? Double(total - done) / rate : 0
    let line = Self.line(done: done, total: total, status: status, rate: rate, secondsLeft: left, unit: unit)
    if interactive {
      guard force || now - lastDraw > 0.1 || done == total else { return }
      lastDraw = now
      FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
      if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    } else if force || done % printEvery == 0 || done == total {
      FileHandle.standardError.write(Data((line + "\n").utf8))
    }
  }

  /// Ends the line on a terminal (after an early stop).
  public func finish() {
    if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
  }

  /// `[======                  ] 250/1000 STATUS 12.50 it/s ETA 1m00s`: a 24-character bar
  /// filled ⌊24 · done / total⌋ (full when `total` is 0), the count, the status, the rate with
  /// two decimals and the time left.
  public static func line(
    done: Int, total: Int, status: String, rate: Double, secondsLeft: Double, unit: String = "it"
  ) -> String {
    let width = 24
    let filled = total > 0 ? max(0, min(width, width * done / total)) : width
    let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
    return "[\(bar)] \(done)/\(total) \(status) \(String(format: "%.2f", rate)) \(unit)/s ETA \(duration(secondsLeft))"
  }

  /// `1h02m`, `3m05s`, `12s`.
  public static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
    if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return "\(s)s"
  }
}
