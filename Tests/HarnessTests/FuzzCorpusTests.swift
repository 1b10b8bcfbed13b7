import Foundation
import FuzzTargets
import Testing
import _TestSupport

/// Every committed input of the fuzz targets, the seeds (`Tests/Fuzz/Corpus/TARGET/`) and the
/// inputs that once crashed, hung or ran out of memory (`Tests/Fuzz/Regressions/TARGET/`), goes
/// through its parser without crashing, each in under 10 seconds (libFuzzer's hang limit).
@Suite struct FuzzCorpusTests {
  /// `(target, file)` for every committed input.
  static let inputs: [(target: String, file: String)] = {
    let root = TestData.repositoryRoot.appendingPathComponent("Tests/Fuzz")
    var found: [(String, String)] = []
    for folder in ["Corpus", "Regressions"] {
      for target in FuzzTarget.allCases {
        let directory = root.appendingPathComponent("\(folder)/\(target.rawValue)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        found += names.sorted().map { (target.rawValue, directory.appendingPathComponent($0).path) }
      }
    }
    return found
  }()

  @Test func everyTargetHasSeeds() {
    for target in FuzzTarget.allCases {
      #expect(Self.inputs.contains { $0.target == target.rawValue && $0.file.contains("/Corpus/") }, "\(target)")
    }
  }

  @Test("every seed and regression input is parsed or refused, never a crash or a hang")
  func everyInputIsHandled() throws {
    for input in Self.inputs {
      let target = try #require(FuzzTarget(rawValue: input.target))
      let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: input.file)))
      let start = Date()
      target.run(bytes)
      #expect(Date().timeIntervalSince(start) < 10, "\(input.file) took too long")
    }
  }
}
