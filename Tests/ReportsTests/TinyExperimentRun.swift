import Foundation
import Testing
import _TestSupport

@testable import Reports

/// One tiny experiment (two points, K = 1 and 2, at 32² with a few iterations and the tiny
/// random VGG), run once per test process through the built binary, `harness run FILE --out
/// RESULTS --notebooks NOTEBOOKS`, so its results and the report `harness run` wrote at its end
/// are shared by every test here. Its folder lives as long as the process (`files` is never
/// released).
final class TinyExperimentRun: @unchecked Sendable {
  /// The weights, the exemplar (`images.h5:/style`) and everything the run wrote.
  let files: TinyDescriptorFiles
  /// The experiment file, `tiny.json`.
  let experimentFile: String
  /// The results folder.
  let results: URL
  /// The notebook folder `harness run` wrote its report to.
  let notebooks: URL
  /// What `harness run` printed.
  let output: HarnessProcess.Output

  /// The experiment: as ExperimentsTests' end-to-end test, two points.
  static func experiment(_ files: TinyDescriptorFiles) -> String {
    #"""
    {"extends": "paper", "notes": "the reports test", "seed": 3,
     "task": {"styles": ["\#(files.argument("style"))"]},
     "objective": {"style": {"layers": ["relu1_1"]}, "weights": "\#(files.weights)"},
     "training": {"size": 32, "batchSize": 2, "iterations": 4, "printEvery": 1,
                  "sampleEvery": 2, "sampleCount": 1, "checkpointEvery": 2},
     "evaluation": {"sampleCount": 2, "sizes": [32], "timingRuns": 2},
     "gatys": {"size": 32, "iterations": 5, "printEvery": 1, "checkpointEvery": 0},
     "sweep": {"grid": {"generator.levels": [1, 2]}}}
    """#
  }

  private init() throws {
    files = try TinyDescriptorFiles(
      "reports", seed: 11, stream: "images", images: [("style", [1, 3, 32, 32])])
    experimentFile = try files.directory.writeText(Self.experiment(files), to: "tiny.json")
    results = files.directory.url.appendingPathComponent("results/tiny")
    notebooks = files.directory.url.appendingPathComponent("run-notebooks")
    output = try HarnessProcess.run([
      "run", experimentFile, "--out", results.path, "--notebooks", notebooks.path, "--quiet",
    ])
  }

  /// The run, or why it failed.
  private static let result: Result<TinyExperimentRun, TinyRunFailure> = {
    do {
      let run = try TinyExperimentRun()
      guard run.output.status == 0 else {
        return .failure(
          TinyRunFailure(
            message:
              "harness run exited with \(run.output.status):\n\(run.output.standardError.suffix(2000))"
          ))
      }
      return .success(run)
    } catch {
      return .failure(TinyRunFailure(message: "\(error)"))
    }
  }()

  /// The shared run (started by the first test that asks).
  static func shared() throws -> TinyExperimentRun { try result.get() }

  /// A fresh notebook folder in the run's directory.
  func freshNotebooks(_ label: String) -> URL {
    files.directory.url.appendingPathComponent("notebooks-\(label)-\(UUID().uuidString.prefix(6))")
  }

  /// The shared results read back.
  func folder() throws -> ResultsFolder {
    try ResultsFolder(url: results, experimentFile: experimentFile)
  }

  /// gnuplot, which Scripts/setup installs: its absence fails the tests that draw.
  static func gnuplot() throws -> Gnuplot {
    switch Gnuplot.locate() {
    case .success(let gnuplot): return gnuplot
    case .failure(let reason):
      throw TinyRunFailure(message: "these tests draw with gnuplot: \(reason.message)")
    }
  }
}

/// Why the shared run is not there.
struct TinyRunFailure: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

/// The image links `![...](PATH)` of a markdown text, in order.
func imageLinks(_ markdown: String) -> [String] {
  var links: [String] = []
  var rest = Substring(markdown)
  while let start = rest.range(of: "![") {
    rest = rest[start.upperBound...]
    guard let open = rest.range(of: "]("),
      let close = rest.range(of: ")", range: open.upperBound..<rest.endIndex)
    else { break }
    links.append(String(rest[open.upperBound..<close.lowerBound]))
    rest = rest[close.upperBound...]
  }
  return links
}
