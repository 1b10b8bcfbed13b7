import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An exclusive lock on a folder that several processes may want to write (a point folder of an
/// experiment run twice at once, or by a `harness run` beside a Slurm array): `flock(2)` on a lock
/// file beside the folder, which holds the holder's pid, host and start time as JSON while the
/// lock is held, so the process that finds it busy can say who has it.
///
/// Staleness needs no heuristic: the kernel releases a `flock` when the process holding it dies,
/// however it dies (SIGKILL included), so a lock file left by a killed process is simply free; its
/// text still names the dead holder, which is how `acquire` tells a takeover (`takenOver`) from a
/// lock released normally (released locks leave the file empty). The file is never deleted:
/// unlinking a lock file while another process waits on it would let two processes lock two
/// different files of the same name.
///
/// The descriptor is opened close-on-exec, so child processes (`harness generate`, `harness
/// gatys`) do not inherit the lock. Over NFS, Linux emulates `flock` with POSIX byte-range locks,
/// which the server arbitrates across hosts; a pid and host in the message help find the holder.
public final class FolderLock {
  /// Who holds (or held) a lock: what the lock file says.
  public struct Holder: Codable, Equatable, Sendable, CustomStringConvertible {
    /// The holder's process id.
    public var pid: Int32
    /// The holder's host name.
    public var host: String
    /// When it took the lock, ISO 8601 UTC.
    public var started: String

    /// A holder with every field given.
    public init(pid: Int32, host: String, started: String) {
      self.pid = pid
      self.host = host
      self.started = started
    }

    /// The current process, now.
    public static func current() -> Holder {
      Holder(pid: getpid(), host: hostName(), started: Provenance.timestamp())
    }

    /// `pid 1234 on host node7 (since 2026-12-01T15:00:00Z)`.
    public var description: String { "pid \(pid) on host \(host) (since \(started))" }
  }

  /// What `tryAcquire` found.
  public enum Attempt {
    /// The lock is ours.
    case acquired(FolderLock)
    /// Another process holds it (what its lock file says, nil when it could not be read yet).
    case busy(Holder?)
  }

  /// The lock file's path.
  public let path: String
  /// The holder named in the lock file when this process took it over: a process that died while
  /// holding it (nil when the lock was free and clean).
  public let takenOver: Holder?
  private var descriptor: Int32

  private init(path: String, descriptor: Int32, takenOver: Holder?) {
    self.path = path
    self.descriptor = descriptor
    self.takenOver = takenOver
  }

  deinit { release() }

  /// Takes the lock at `path` if no other process holds it, creating the file if needed, and
  /// writes this process into it.
  ///
  /// - Throws: `FolderLockError` when the file cannot be opened, locked or written.
  public static func tryAcquire(_ path: String) throws(FolderLockError) -> Attempt {
    let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw .cannotOpen(path, reason: errorText()) }
    var locked = flock(descriptor, LOCK_EX | LOCK_NB)
    while locked != 0 && errno == EINTR { locked = flock(descriptor, LOCK_EX | LOCK_NB) }
    guard locked == 0 else {
      let failure = errno
      let holder = readHolder(descriptor)
      close(descriptor)
      if failure == EWOULDBLOCK { return .busy(holder) }
      throw .cannotLock(path, reason: String(cString: strerror(failure)))
    }
    let previous = readHolder(descriptor)
    let text = Data((try? JSONEncoder().encode(Holder.current())) ?? Data())
    let written = text.withUnsafeBytes { bytes in
      ftruncate(descriptor, 0) == 0
        && pwrite(descriptor, bytes.baseAddress, bytes.count, 0) == bytes.count
    }
    guard written else {
      let reason = errorText()
      close(descriptor)
      throw .cannotWrite(path, reason: reason)
    }
    fsync(descriptor)
    return .acquired(FolderLock(path: path, descriptor: descriptor, takenOver: previous))
  }

  /// Takes the lock at `path`, waiting (polling every `interval` seconds) while another process
  /// holds it; `waiting` is told the holder once, when the lock is first found busy. Returns nil
  /// when `isInterrupted` turns true before the lock is free.
  public static func acquire(
    _ path: String, interval: Double = 0.2, isInterrupted: () -> Bool = { false },
    waiting: (Holder?) -> Void = { _ in }
  ) throws(FolderLockError) -> FolderLock? {
    var told = false
    while true {
      switch try tryAcquire(path) {
      case .acquired(let lock): return lock
      case .busy(let holder):
        if !told {
          waiting(holder)
          told = true
        }
      }
      if isInterrupted() { return nil }
      usleep(UInt32(interval * 1_000_000))
    }
  }

  /// Empties the lock file (so the next holder sees a clean release) and releases the lock;
  /// called by `deinit` too.
  public func release() {
    guard descriptor >= 0 else { return }
    ftruncate(descriptor, 0)
    flock(descriptor, LOCK_UN)
    close(descriptor)
    descriptor = -1
  }

  /// The holder written in the open lock file, if it holds one.
  private static func readHolder(_ descriptor: Int32) -> Holder? {
    var bytes = [UInt8](repeating: 0, count: 4096)
    let count = pread(descriptor, &bytes, bytes.count, 0)
    guard count > 0 else { return nil }
    return try? JSONDecoder().decode(Holder.self, from: Data(bytes[0..<count]))
  }

  private static func hostName() -> String {
    var name = [CChar](repeating: 0, count: 256)
    guard gethostname(&name, name.count - 1) == 0 else { return "unknown" }
    return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  private static func errorText() -> String { String(cString: strerror(errno)) }
}

/// A lock file that cannot be used.
public enum FolderLockError: Error, Equatable, CustomStringConvertible {
  /// The lock file cannot be opened or created (path, reason).
  case cannotOpen(String, reason: String)
  /// `flock` failed for another reason than a holder (path, reason).
  case cannotLock(String, reason: String)
  /// The holder's text cannot be written (path, reason).
  case cannotWrite(String, reason: String)

  /// One message naming the lock file and the problem.
  public var description: String {
    switch self {
    case .cannotOpen(let path, let reason): return "\(path): cannot open the lock file: \(reason)"
    case .cannotLock(let path, let reason): return "\(path): cannot lock: \(reason)"
    case .cannotWrite(let path, let reason): return "\(path): cannot write the lock file: \(reason)"
    }
  }
}
