import Foundation
import Store
import TensorCore
import Testing

// The kill -9 tests run StoreCrashProbe (Sources/StoreCrashProbe), a separate process that
// appends rows and flushes after each, and kill it: at random moments, and at every single write
// HDF5 makes (through a tiny LD_PRELOAD library that SIGKILLs the process at the N-th pwrite).

/// The row StoreCrashProbe appends at `step` (Sources/StoreCrashProbe/main.swift).
private func probeRow(_ step: Int) -> [Double] {
  let value = Double(step)
  return [value, value / 2, value * value, sin(value)]
}

private struct ProbeFailure: Error, CustomStringConvertible {
  var description: String
}

/// A running StoreCrashProbe and what it has reported on stdout.
private final class ProbeRun {
  let process = Process()
  private let output = Pipe()
  private let errors = Pipe()
  private var pending = ""
  /// Whether the probe reported that the table exists on disk.
  private(set) var isReady = false
  /// The last row count the probe reported as flushed (a lower bound: it may have flushed more).
  private(set) var flushedRows = 0

  init(
    _ path: String, resume: Bool, rowsPerChunk: Int, environment: [String: String] = [:]
  ) throws {
    process.executableURL = try Self.executable()
    process.arguments =
      [path, "--rows-per-chunk", "\(rowsPerChunk)"] + (resume ? ["--resume"] : [])
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = output
    process.standardError = errors
    try process.run()
  }

  /// Reads reports until `flushedRows >= rows` or the probe's stdout ends (it died).
  func read(untilFlushed rows: Int = .max) {
    while flushedRows < rows {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { return }
      pending += String(decoding: chunk, as: UTF8.self)
      while let newline = pending.firstIndex(of: "\n") {
        let line = pending[..<newline]
        if line.hasPrefix("ready") { isReady = true }
        if line.hasPrefix("flushed "), let count = Int(line.dropFirst("flushed ".count)) {
          flushedRows = count
        }
        pending.removeSubrange(...newline)
      }
    }
  }

  /// Sends SIGKILL and waits; throws if the probe had ended some other way.
  func kill() throws {
    Foundation.kill(process.processIdentifier, SIGKILL)
    try waitForKill()
  }

  /// Waits for the process to end and throws unless SIGKILL ended it.
  func waitForKill() throws {
    process.waitUntilExit()
    guard process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL else {
      let stderr = String(
        decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      throw ProbeFailure(
        description: "probe ended with status \(process.terminationStatus) after "
          + "\(flushedRows) rows: \(stderr)")
    }
  }

  /// The StoreCrashProbe executable, built beside the test binary because StoreTests depends on it.
  static func executable() throws -> URL {
    var places = [URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()]
    places += Bundle.allBundles.map(\.bundleURL)
    if let main = Bundle.main.executableURL { places.append(main) }
    for folder in places.map({ $0.deletingLastPathComponent() }) {
      for candidate in [folder, folder.deletingLastPathComponent()] {
        let url = candidate.appendingPathComponent("StoreCrashProbe")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
      }
    }
    throw ProbeFailure(description: "StoreCrashProbe not found beside the test binary (\(places))")
  }
}

/// Checks the store a killed probe left: it opens, the table holds at least `flushedRows` rows,
/// every row is exactly what was appended, and the other content flushed before them is intact.
/// Returns the number of rows on disk.
private func verifyStore(_ path: String, flushedRows: Int, context: String) throws -> Int {
  let file = try HDF5File.open(path)
  defer { try? file.close() }
  let root = try file.root
  let rows = try MetricsTable(opening: "metrics/train", in: root).rows()
  #expect(
    rows.count >= flushedRows, "\(context): \(rows.count) rows on disk, \(flushedRows) flushed")
  let damaged = rows.indices.filter { rows[$0] != probeRow($0) }
  #expect(damaged.isEmpty, "\(context): rows \(damaged.prefix(5)) differ from what was appended")
  #expect(try root.stringAttribute("experiment").contains("kill-9 probe"), "\(context)")
  #expect(try root.readTensor("weights/w").scalars == [1, 2, 3, 4], "\(context)")
  for step in stride(from: 0, through: min(flushedRows - 1, 176), by: 16) {
    let sample = try root.readTensor("samples/step-\(step)").scalars
    #expect(sample == [Float](repeating: Float(step), count: 4), "\(context): samples/step-\(step)")
  }
  return rows.count
}

/// A C library for LD_PRELOAD that sends SIGKILL to its process just before the N-th `pwrite`
/// (N from STORE_KILL_AT_WRITE), compiled on the fly with the C compiler found on PATH.
private enum KillAtWriteLibrary {
  static let source = """
    #define _GNU_SOURCE
    #include <dlfcn.h>
    #include <signal.h>
    #include <stdlib.h>
    #include <unistd.h>
    static long writes = 0;
    ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset) {
      static ssize_t (*real)(int, const void *, size_t, off_t) = 0;
      static long limit = -1;
      if (!real) {
        real = (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
        const char *text = getenv("STORE_KILL_AT_WRITE");
        limit = text ? atol(text) : 0;
      }
      if (++writes == limit) kill(getpid(), SIGKILL);
      return real(fd, buffer, count, offset);
    }
    ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
      return pwrite64(fd, buffer, count, offset);
    }
    """

  /// A C compiler on PATH, if any (the Swift toolchain ships clang).
  static let compiler: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
      for name in ["clang", "cc", "gcc"] {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      }
    }
    return nil
  }()

  /// Compiles the library into `directory` and returns its path.
  static func build(in directory: HDF5TestDirectory) throws -> String {
    guard let compiler else { throw ProbeFailure(description: "no C compiler on PATH") }
    let sourcePath = directory.file("kill_at_write.c")
    let libraryPath = directory.file("kill_at_write.so")
    try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
    let compile = Process()
    compile.executableURL = URL(fileURLWithPath: compiler)
    compile.arguments = ["-shared", "-fPIC", "-O1", "-o", libraryPath, sourcePath, "-ldl"]
    try compile.run()
    compile.waitUntilExit()
    guard compile.terminationStatus == 0 else {
      throw ProbeFailure(description: "\(compiler) could not build the LD_PRELOAD library")
    }
    return libraryPath
  }
}

@Suite("A store survives kill -9 of its writer", .serialized)
struct HDF5CrashTests {
  @Test("every flushed row is intact after SIGKILL at random moments, across kills and resumes")
  func survivesRandomKills() throws {
    let directory = try HDF5TestDirectory()
    let path = directory.file("killed.h5")
    var rowsOnDisk = 0
    let plans: [(rows: Int, delay: TimeInterval)] = [
      (200, 0), (300, 0.001), (250, 0.003), (400, 0.0005), (150, 0.002), (350, 0),
      (120, 0.0002), (260, 0.0015),
    ]
    for (round, plan) in plans.enumerated() {
      let probe = try ProbeRun(path, resume: round > 0, rowsPerChunk: 256)
      probe.read(untilFlushed: rowsOnDisk + plan.rows)
      Thread.sleep(forTimeInterval: plan.delay)
      try probe.kill()
      rowsOnDisk = try verifyStore(
        path, flushedRows: probe.flushedRows, context: "round \(round)")
    }
  }

  @Test(
    "a kill at each of HDF5's first 300 writes leaves every flushed row readable",
    .enabled(if: KillAtWriteLibrary.compiler != nil))
  func survivesKillAtEveryWrite() throws {
    let directory = try HDF5TestDirectory()
    let library = try KillAtWriteLibrary.build(in: directory)
    var verified = 0
    var failures: [String] = []
    for write in 1...300 {
      let path = directory.file("write-\(write).h5")
      // Chunks of 8 rows: a new chunk every 8 rows, about 15 in this range (a B-tree node splits
      // only at the 65th: see MetricsTable).
      let probe = try ProbeRun(
        path, resume: false, rowsPerChunk: 8,
        environment: ["LD_PRELOAD": library, "STORE_KILL_AT_WRITE": "\(write)"])
      probe.read()
      try probe.waitForKill()
      if probe.isReady {
        do {
          _ = try verifyStore(
            path, flushedRows: probe.flushedRows, context: "kill at write \(write)")
          verified += 1
        } catch {
          failures.append("kill at write \(write) (\(probe.flushedRows) rows flushed): \(error)")
        }
      } else {
        // Killed while the file was being created: nothing was promised, but opening must
        // give an error or a file, never a crash.
        _ = try? HDF5File.open(path).root.childNames()
      }
      try? FileManager.default.removeItem(atPath: path)
    }
    #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.joined(separator: "\n"))")
    #expect(verified > 250)
  }
}
