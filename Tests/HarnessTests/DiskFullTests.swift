import Foundation
import Store
import Testing
import _TestSupport

/// A full disk: `harness train` and `harness gatys` writing to a small tmpfs stop with one clear
/// message naming the path and the cause, exit non-zero, keep their last checkpoint and their
/// store readable, and `--resume` finishes the run (bit for bit as one that never stopped) once
/// space is freed.
@Suite(.serialized) struct DiskFullTests {
  /// A tmpfs of `size` mounted at a fresh folder, unmounted when released.
  final class SmallDisk {
    let path: String

    init(at path: String, size: String) throws {
      self.path = path
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
      let status = Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
      guard status == 0 else { throw SmallDiskError.cannotMount(path) }
    }

    deinit { _ = Self.command("/bin/umount", [path]) }

    /// Bytes free for an unprivileged writer.
    var freeBytes: Int {
      var info = statvfs()
      guard statvfs(path, &info) == 0 else { return 0 }
      return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Fills the disk until `leaving` bytes are free, with `filler`.
    func fill(leaving: Int) throws -> String {
      let filler = path + "/filler"
      let count = max(freeBytes - leaving, 0)
      try Data(count: count).write(to: URL(fileURLWithPath: filler))
      return filler
    }

    static func command(_ executable: String, _ arguments: [String]) -> Int32 {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = arguments
      process.standardError = FileHandle.nullDevice
      process.standardOutput = FileHandle.nullDevice
      do { try process.run() } catch { return -1 }
      process.waitUntilExit()
      return process.terminationStatus
    }

    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, outside a locked-down
    /// container): tried once on a throw-away folder.
    static let canMount: Bool = {
      guard let probe = try? TemporaryDirectory("tmpfs-probe") else { return false }
      return (try? SmallDisk(at: probe.file("disk"), size: "64k")) != nil
    }()
  }

  enum SmallDiskError: Error { case cannotMount(String) }

  /// Bytes the files under `folder` (or only the file `only` in it) take on a page-granular file
  /// system.
  static func footprint(_ folder: String, only: String? = nil) -> Int {
    let manager = FileManager.default
    var total = 0
    for name in only.map({ [$0] }) ?? manager.subpaths(atPath: folder) ?? [] {
      let attributes = try? manager.attributesOfItem(atPath: folder + "/" + name)
      if attributes?[.type] as? FileAttributeType == .typeRegular,
        let size = attributes?[.size] as? Int
      {
        total += (size + 4095) / 4096 * 4096
      }
    }
    return total
  }

  /// The iteration of `checkpoint.h5` in `folder` (the checkpoint must read).
  static func checkpointIteration(_ folder: String) throws -> Int {
    let file = try HDF5File.open(folder + "/checkpoint.h5")
    defer { try? file.close() }
    return Int(try file.root.integerAttribute("iteration"))
  }

  /// The metric rows of `store.h5` in `folder` (the store must read), timing columns dropped.
  static func rows(_ folder: String) throws -> [[Double]] {
    let file = try HDF5File.open(folder + "/store.h5")
    defer { try? file.close() }
    let table = try MetricsTable(opening: "metrics/iterations", in: try file.root)
    let timing: Set<String> = ["wall_seconds", "iteration_seconds", "peak_rss_mib"]
    let keep = table.columns.indices.filter { !timing.contains(table.columns[$0]) }
    return try table.rows().map { row in keep.map { row[$0] } }
  }

  /// The commands, each writing one sample image per iteration so that the disk fills as the
  /// run goes (the checkpoint every 4 iterations).
  static func arguments(_ command: String, files: TinyDescriptorFiles, out: String) -> [String] {
    let common = [
      "--style", files.argument("style"), "--weights", files.weights, "--size", "32",
      "--style-layers", "relu1_1,relu1_2", "--checkpoint-every", "4", "--quiet", "--out", out,
    ]
    switch command {
    case "train":
      return ["train"] + common + ["--batch-size", "2", "--levels", "3", "--iterations", "40", "--sample-every", "1"]
    default:
      return ["gatys"] + common + ["--iterations", "40", "--save-every", "1", "--checkpoint-every", "4"]
    }
  }

  @Test(
    "out of space: one message naming the path, non-zero exit, checkpoint and store readable, --resume finishes once space is freed",
    .enabled(if: SmallDisk.canMount, "skipped: this process cannot mount a tmpfs (needs root with CAP_SYS_ADMIN)"),
    arguments: ["train", "gatys"])
  func fullDisk(_ command: String) throws {
    let files = try TinyDescriptorFiles(
      "disk-full-\(command)", seed: 4, stream: "disk-full", images: [("style", [3, 32, 32])])
    let straight = files.directory.file("straight")
    let done = try HarnessProcess.run(Self.arguments(command, files: files, out: straight))
    #expect(done.status == 0, "\(done.standardError)")
    let disk = try SmallDisk(at: files.directory.file("disk"), size: "3m")
    // Room for the store and one and a half checkpoints (of the run's largest): the first
    // checkpoint fits, and at the latest the last replacement (old and new side by side) does not.
    let checkpointBytes = Self.footprint(straight, only: "checkpoint.h5")
    let filler = try disk.fill(
      leaving: Self.footprint(straight, only: "store.h5") + checkpointBytes * 3 / 2 + 65_536)
    let out = disk.path + "/run"
    let failed = try HarnessProcess.run(Self.arguments(command, files: files, out: out))
    #expect(failed.status != 0)
    let errors = failed.standardError.split(separator: "\n").filter { $0.lowercased().hasPrefix("error:") }
    #expect(errors.count == 1, "\(failed.standardError)")
    let message = errors.first.map(String.init) ?? ""
    #expect(message.contains(out + "/"), "the message names no path in the run folder: \(message)")
    #expect(message.contains("No space left on device"), "\(message)")
    #expect(failed.standardErrorWithoutKernelWarning.split(separator: "\n").count == 1, "\(failed.standardError)")
    let at = try Self.checkpointIteration(out)
    #expect(at >= 4 && at < 40, "checkpoint of iteration \(at)")
    #expect(try Self.rows(out).count >= at)
    try FileManager.default.removeItem(atPath: filler)
    let resumed = try HarnessProcess.run([command, "--resume", out, "--quiet"])
    #expect(resumed.status == 0, "\(resumed.standardError)")
    #expect(try Self.rows(out) == Self.rows(straight))
  }
}
