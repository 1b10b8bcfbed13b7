import Foundation
import Runs

/// The point locks: two `harness run` of one experiment at once (or one beside a Slurm array)
/// never write the same point. Each point is written while holding `<root>/<point>.lock`
/// (`FolderLock`, flock: released by the kernel when its holder dies, so a killed run's lock is
/// taken over by the next run, which resumes the point from its checkpoints).
extension ExperimentRunner {
  /// The lock file of `point`'s folder, beside it: `<root>/<point>.lock`.
  public func lockPath(of point: ExperimentPoint) -> String {
    root.appendingPathComponent(point.name + ".lock").path
  }

  /// Takes `point`'s lock, saying so when another process holds it or held it when it died.
  /// Without `waits`, a busy point gives nil at once (skipped for now); with it, the runner waits
  /// for the holder, and nil means Ctrl-C or SIGTERM came first.
  func lockFolder(of point: ExperimentPoint, label: String, waits: Bool) throws -> FolderLock? {
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    let path = lockPath(of: point)
    let lock: FolderLock
    if waits {
      let waited = try FolderLock.acquire(path, isInterrupted: isInterrupted) { holder in
        report("\(label) waiting: \(Self.holderText(holder)) is writing this point (lock \(path))")
      }
      guard let waited else { return nil }
      lock = waited
    } else {
      switch try FolderLock.tryAcquire(path) {
      case .acquired(let acquired): lock = acquired
      case .busy(let holder):
        report(
          "\(label) skipped for now: \(Self.holderText(holder)) is writing this point (lock \(path)); back to it after the other points"
        )
        return nil
      }
    }
    reportTakeover(lock, label: label)
    return lock
  }

  /// `checkFolder(of:)` under the point's lock, unless another process holds it (it may be
  /// half-way through creating the folder): that point is checked once its lock is ours.
  func checkFolderUnlessLocked(_ point: ExperimentPoint) throws {
    let path = lockPath(of: point)
    guard FileManager.default.fileExists(atPath: path) else { return try checkFolder(of: point) }
    guard case .acquired(let lock) = try FolderLock.tryAcquire(path) else { return }
    defer { lock.release() }
    reportTakeover(lock, label: "[\(point.name)]")
    try checkFolder(of: point)
  }

  private func reportTakeover(_ lock: FolderLock, label: String) {
    guard let previous = lock.takenOver else { return }
    report(
      "\(label) taking over the lock \(lock.path) of \(previous), which ended without releasing it; the point resumes from what is on disk"
    )
  }

  private static func holderText(_ holder: FolderLock.Holder?) -> String {
    holder.map { "\($0)" } ?? "another process (its lock file is being written)"
  }
}
