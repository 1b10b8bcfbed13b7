import Foundation
import Runs
import Testing
import _TestSupport

@Suite struct RunFolderTests {
  @Test func createsANewFolderWithItsParents() throws {
    let directory = try TemporaryDirectory()
    let url = directory.url.appendingPathComponent("a/b/run")
    let folder = try RunFolder.create(at: url)
    var isDirectory: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory))
    #expect(isDirectory.boolValue)
    #expect(folder.path == url.path)
    #expect(folder.path(of: "x.json") == url.path + "/x.json")
  }

  @Test func takesAnEmptyFolder() throws {
    let directory = try TemporaryDirectory()
    let folder = try RunFolder.create(at: directory.url)
    #expect(try directory.contents().isEmpty)
    try folder.writeJSON(["a": 1], to: "a.json")
    #expect(try directory.contents() == ["a.json"])
  }

  @Test func refusesAFolderHoldingAnything() throws {
    let directory = try TemporaryDirectory()
    try directory.writeText("", to: ".hidden")
    #expect(throws: RunFolderError.outputExists(directory.path)) {
      try RunFolder.create(at: directory.url)
    }
    #expect(try directory.contents() == [".hidden"])
    #expect(RunFolderError.outputExists("/r").description.contains("/r: the output directory holds files already"))
  }

  @Test func refusesAFile() throws {
    let directory = try TemporaryDirectory()
    let file = try directory.writeText("not a folder", to: "file")
    #expect(throws: RunFolderError.outputNotADirectory(file)) {
      try RunFolder.create(at: URL(fileURLWithPath: file))
    }
    #expect(throws: RunFolderError.outputNotADirectory(file)) {
      try RunFolder.open(URL(fileURLWithPath: file))
    }
    #expect(try String(contentsOfFile: file, encoding: .utf8) == "not a folder")
  }

  @Test func cannotCreateBelowAFile() throws {
    let directory = try TemporaryDirectory()
    let file = try directory.writeText("", to: "file")
    let below = URL(fileURLWithPath: file).appendingPathComponent("run")
    #expect {
      try RunFolder.create(at: below)
    } throws: { error in
      guard case .cannotCreateOutput(let path, _) = error as? RunFolderError else { return false }
      return path == below.path
    }
  }

  @Test func openNamesTheFirstMissingFile() throws {
    let directory = try TemporaryDirectory()
    try directory.writeText("{}", to: "configuration.json")
    #expect(throws: RunFolderError.missingFile(directory.path, name: "store.h5")) {
      try RunFolder.open(directory.url, requiring: ["configuration.json", "store.h5", "checkpoint.h5"])
    }
    let folder = try RunFolder.open(directory.url, requiring: ["configuration.json"])
    #expect(folder.contains("configuration.json"))
    #expect(!folder.contains("store.h5"))
  }

  struct Settings: Codable, Equatable {
    var name: String
    var rate: Double
    var layers: [String]
  }

  @Test func jsonRoundTripsPrettyAndSorted() throws {
    let directory = try TemporaryDirectory()
    let folder = try RunFolder.create(at: directory.url)
    let settings = Settings(name: "brick", rate: 0.25, layers: ["relu1_1", "relu2_1"])
    try folder.writeJSON(settings, to: "configuration.json")
    #expect(try folder.readJSON(Settings.self, from: "configuration.json") == settings)
    let text = try String(contentsOfFile: directory.file("configuration.json"), encoding: .utf8)
    let keys = ["\"layers\"", "\"name\"", "\"rate\""].map { text.range(of: $0)!.lowerBound }
    #expect(keys == keys.sorted(), "keys are not sorted: \(text)")
    #expect(text.contains("\n  \"name\" : \"brick\""), "not pretty-printed: \(text)")
    // Atomic: no temporary file is left beside it.
    #expect(try directory.contents() == ["configuration.json"])
  }

  @Test func jsonReplacesTheOldFileWhole() throws {
    let directory = try TemporaryDirectory()
    let folder = try RunFolder.create(at: directory.url)
    try folder.writeJSON(Settings(name: String(repeating: "x", count: 500), rate: 1, layers: []), to: "s.json")
    try folder.writeJSON(Settings(name: "y", rate: 2, layers: []), to: "s.json")
    #expect(try folder.readJSON(Settings.self, from: "s.json") == Settings(name: "y", rate: 2, layers: []))
    #expect(try directory.contents() == ["s.json"])
  }

  @Test func aFailedAtomicWriteKeepsTheOldFile() throws {
    struct Failure: Error {}
    let directory = try TemporaryDirectory()
    let folder = try RunFolder.create(at: directory.url)
    try folder.writeJSON(Settings(name: "old", rate: 1, layers: []), to: "checkpoint.json")
    #expect(throws: Failure.self) {
      try folder.replaceAtomically("checkpoint.json") { temporary in
        try Data("half".utf8).write(to: URL(fileURLWithPath: temporary))
        throw Failure()
      }
    }
    #expect(try folder.readJSON(Settings.self, from: "checkpoint.json").name == "old")
    #expect(try directory.contents() == ["checkpoint.json"])
  }

  @Test func unreadableJSONNamesTheFile() throws {
    let directory = try TemporaryDirectory()
    try directory.writeText("{\"name\": 3}", to: "bad.json")
    let folder = try RunFolder.open(directory.url)
    #expect {
      try folder.readJSON(Settings.self, from: "bad.json")
    } throws: { error in
      guard case .unreadableJSON(let path, _) = error as? RunFolderError else { return false }
      return path == directory.file("bad.json")
    }
    #expect(throws: RunFolderError.missingFile(directory.path, name: "none.json")) {
      try folder.readJSON(Settings.self, from: "none.json")
    }
  }

  @Test func timestampedNamesAreUTC() {
    let date = Date(timeIntervalSince1970: 1_764_580_500)  // 2025-12-01 09:15:00 UTC
    #expect(RunFolder.timestamped(under: "results/gatys", at: date).path.hasSuffix("results/gatys/20251201T091500Z"))
  }

  @Test func oneWriterAtATimeHoldsTheFolder() throws {
    let directory = try TemporaryDirectory()
    let folder = try RunFolder.create(at: directory.url)
    let lock = try folder.lockForWriting()
    #expect(lock.path == directory.file(RunFolder.lockFileName))
    // A second descriptor on the lock file, as another process would open it, is refused.
    do {
      _ = try RunFolder.open(directory.url).lockForWriting()
      Issue.record("two writers held one run folder")
    } catch {
      let text = "\(error)"
      #expect(
        text.hasPrefix(
          "\(directory.path): another process is writing this run folder (pid \(getpid()) on host "),
        "\(text)")
      #expect(text.hasSuffix("wait for it to end or stop it, then resume"), "\(text)")
    }
    lock.release()
    #expect(try RunFolder.open(directory.url).lockForWriting().takenOver == nil)
  }

  @Test func preparingParentCreatesSubfolders() throws {
    let directory = try TemporaryDirectory()
    let folder = try RunFolder.create(at: directory.url)
    let url = try folder.preparingParent(of: "iterations/iteration-000001.png")
    #expect(url.path == directory.file("iterations/iteration-000001.png"))
    #expect(try directory.contents() == ["iterations"])
  }
}

@Suite struct NonFiniteCheckTests {
  @Test func finiteIsNil() {
    #expect(nonFiniteNames([("style", 1), ("content", 2)], total: 3) == nil)
    #expect(nonFiniteNames([], total: 0) == nil)
  }

  @Test func namesTheNonFiniteTermsInOrder() {
    let names = nonFiniteNames(
      [("style/gram/relu1_1", .nan), ("content", 1), ("tv", .infinity), ("x", -.infinity)], total: .nan)
    #expect(names == ["style/gram/relu1_1", "tv", "x"])
  }

  @Test func onlyTheTotal() {
    #expect(nonFiniteNames([("style", 1e308), ("content", 1e308)], total: .infinity) == ["total"])
  }
}

@Suite struct ProgressBarTests {
  @Test func lineLayout() {
    let line = ProgressBar.line(
      done: 250, total: 1000, status: "loss 1.0e+00", rate: 12.5, secondsLeft: 60)
    #expect(line == "[======                  ] 250/1000 loss 1.0e+00 12.50 it/s ETA 1m00s")
  }

  @Test func fullAndEmptyBars() {
    #expect(ProgressBar.line(done: 0, total: 10, status: "s", rate: 0, secondsLeft: 0, unit: "step")
      == "[                        ] 0/10 s 0.00 step/s ETA 0s")
    #expect(ProgressBar.line(done: 10, total: 10, status: "s", rate: 3.456, secondsLeft: 0)
      == "[========================] 10/10 s 3.46 it/s ETA 0s")
    // More than the total (a resumed run given fewer iterations) stays within the bar.
    #expect(ProgressBar.line(done: 12, total: 10, status: "s", rate: 1, secondsLeft: 0)
      .hasPrefix("[========================] 12/10"))
    #expect(ProgressBar.line(done: 0, total: 0, status: "s", rate: 1, secondsLeft: 0)
      .hasPrefix("[========================] 0/0"))
  }

  @Test(arguments: [(0.0, "0s"), (12.4, "12s"), (59.6, "1m00s"), (185, "3m05s"), (3720, "1h02m"), (36000, "10h00m")])
  func durations(_ c: (Double, String)) {
    #expect(ProgressBar.duration(c.0) == c.1)
  }
}

@Suite struct ProcessMemoryTests {
  @Test func peakIsAtLeastTheCurrentSize() throws {
    try #require(FileManager.default.fileExists(atPath: "/proc/self/status"), "needs /proc")
    let current = ProcessMemory.residentMiB
    #expect(current > 1)
    #expect(ProcessMemory.peakResidentMiB >= current)
  }
}

@Suite struct ProvenanceTests {
  @Test func codingRoundTrip() throws {
    var provenance = Provenance.current(seed: 42, harnessVersion: "9.9")
    provenance.resumed = ["then"]
    let decoded = try JSONDecoder().decode(Provenance.self, from: JSONEncoder().encode(provenance))
    #expect(decoded == provenance)
    #expect(decoded.seed == 42 && decoded.harnessVersion == "9.9")
    #expect(decoded.arguments == CommandLine.arguments)
  }
}
