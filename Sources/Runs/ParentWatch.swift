import CSystem
import Foundation

/// A child process of `harness run` (a `harness generate` or `harness gatys` measurement) dies
/// with its parent: when the runner is killed, even with SIGKILL, the kernel sends the child
/// SIGKILL too, so no orphan keeps writing into a point folder that the next run (which takes over
/// the point's lock, see `FolderLock`) resumes.
///
/// The parent names itself in the child's environment (`environmentKey`); the child calls
/// `applyIfChild()` first thing. SIGKILL rather than SIGTERM: a child checkpointing after its
/// parent died would race with the resumed run reading that checkpoint.
public enum ParentWatch {
  /// The environment variable holding the parent's pid.
  public static let environmentKey = "TEXTURE_NETS_PARENT_PID"

  /// The environment entry a parent adds to its child's environment.
  public static var childEnvironment: [String: String] { [environmentKey: "\(getpid())"] }

  /// When this process was started by a runner (`environmentKey` set), dies with that parent:
  /// at once if the parent is gone already (the child was re-parented before this call).
  public static func applyIfChild() {
    guard let text = ProcessInfo.processInfo.environment[environmentKey], let parent = Int32(text)
    else { return }
    _ = csystem_die_with_parent(SIGKILL)
    if getppid() != parent { kill(getpid(), SIGKILL) }
  }
}
