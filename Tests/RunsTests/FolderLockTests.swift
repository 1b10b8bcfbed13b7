import Foundation
import Runs
import Testing
import _TestSupport

/// The folder lock: one holder at a time, the holder named, a clean release, a dead holder's lock
/// taken over (the kernel frees a flock when its process dies, SIGKILL included).
@Suite struct FolderLockTests {
  static func acquired(_ attempt: FolderLock.Attempt) -> FolderLock? {
    if case .acquired(let lock) = attempt { return lock }
    return nil
  }

  @Test func oneHolderAtATimeNamedInTheLockFile() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("point.lock")
    let lock = try #require(Self.acquired(try FolderLock.tryAcquire(path)))
    #expect(lock.takenOver == nil)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains("\"pid\":\(getpid())"), "\(text)")
    guard case .busy(let holder) = try FolderLock.tryAcquire(path) else {
      Issue.record("a second holder took a held lock")
      return
    }
    #expect(holder?.pid == getpid())
    #expect(holder?.description.hasPrefix("pid \(getpid()) on host ") == true)
    lock.release()
    #expect(try String(contentsOfFile: path, encoding: .utf8).isEmpty)
    let again = try #require(Self.acquired(try FolderLock.tryAcquire(path)))
    #expect(again.takenOver == nil)
  }

  @Test func aLockLeftByADeadHolderIsTakenOverAndNamed() throws {
    let directory = try TemporaryDirectory()
    let dead = FolderLock.Holder(pid: 999_999, host: "elsewhere", started: "2026-12-01T00:00:00Z")
    let path = directory.file("point.lock")
    try JSONEncoder().encode(dead).write(to: URL(fileURLWithPath: path))
    let lock = try #require(Self.acquired(try FolderLock.tryAcquire(path)))
    #expect(lock.takenOver == dead)
  }

  @Test("a process killed with SIGKILL while holding the lock frees it")
  func killedHolderFreesTheLock() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("point.lock")
    let holder = Process()
    holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
    holder.arguments = ["--no-fork", path, "sleep", "60"]  // sleep itself holds the lock
    try holder.run()
    let deadline = Date().addingTimeInterval(10)
    var busy = false
    while Date() < deadline && !busy {
      if case .busy = try FolderLock.tryAcquire(path) { busy = true } else { usleep(10_000) }
    }
    #expect(busy, "flock(1) never took the lock")
    kill(holder.processIdentifier, SIGKILL)
    holder.waitUntilExit()
    let lock = try #require(Self.acquired(try FolderLock.tryAcquire(path)))
    #expect(lock.takenOver == nil)  // flock(1) writes no holder into the file
  }

  @Test func acquireWaitsForTheHolderAndSaysSoOnce() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("point.lock")
    nonisolated(unsafe) let first = try #require(Self.acquired(try FolderLock.tryAcquire(path)))
    let releaser = Thread {
      usleep(300_000)
      first.release()
    }
    releaser.start()
    var told: [FolderLock.Holder?] = []
    let second = try FolderLock.acquire(path, interval: 0.02, waiting: { told.append($0) })
    #expect(second != nil)
    #expect(told.count == 1 && told.first??.pid == getpid())
  }

  @Test func waitingStopsWhenInterrupted() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("point.lock")
    let held = try #require(Self.acquired(try FolderLock.tryAcquire(path)))
    var polls = 0
    let lock = try FolderLock.acquire(path, interval: 0.01, isInterrupted: {
      polls += 1
      return polls >= 3
    })
    #expect(lock == nil && polls == 3)
    held.release()
  }

  @Test func anUnopenableLockFileIsOneMessageNamingIt() throws {
    let path = "/nonexistent-folder-\(UUID().uuidString)/point.lock"
    #expect(throws: FolderLockError.self) { try FolderLock.tryAcquire(path) }
    do {
      _ = try FolderLock.tryAcquire(path)
    } catch {
      #expect(error.description.hasPrefix("\(path): cannot open the lock file: No such file"))
    }
  }
}
