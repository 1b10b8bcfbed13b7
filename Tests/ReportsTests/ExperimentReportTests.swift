import Foundation
import Store
import Testing
import _TestSupport

@testable import Reports

/// The notebook of the tiny two-point experiment: the table's rows and numbers, the settings,
/// every linked PNG decoding, every script rerunning, the montage's pixels in place.
@Suite(.serialized) struct ExperimentReportTests {
  /// The numbers of `levels=K/summary.json`, read as plain JSON (not through `PointSummary`).
  static func summary(_ run: TinyExperimentRun, _ point: String) throws -> [String: Any] {
    let data = try Data(contentsOf: run.results.appendingPathComponent("\(point)/summary.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }

  /// The table row a point's summary should give, formatted as `harness run --help` documents
  /// the columns.
  static func expectedRow(_ summary: [String: Any], levels: Int) throws -> String {
    let evaluation = try #require((summary["evaluations"] as? [[String: Any]])?.first)
    let gatys = try #require((summary["gatys"] as? [[String: Any]])?.first)
    func number(_ object: [String: Any], _ key: String) throws -> Double {
      try #require((object[key] as? NSNumber)?.doubleValue, "\(key) in summary.json")
    }
    let reached = try #require(gatys["reachedLoss"] as? Bool)
    let bound = reached ? "" : ">"
    let breakEven =
      (gatys["breakEvenCount"] as? NSNumber).map { (reached ? "" : "<=") + "\($0)" } ?? "never"
    let cells = [
      "\(levels)", "\(try #require(summary["parameterCount"] as? Int))",
      String(format: "%.1f", try number(summary, "trainingSeconds")), "32",
      String(
        format: "%.4g ± %.2g", try number(evaluation, "lossMean"),
        try number(evaluation, "lossStandardDeviation")),
      String(format: "%.2f", try number(evaluation, "secondsPerSample") * 1000),
      String(format: "%.0f", try number(evaluation, "samplePeakResidentMiB")), "lbfgs",
      bound + "\(try #require(gatys["iterations"] as? Int))",
      bound + String(format: "%.3g", try number(gatys, "seconds")),
      String(format: "%.0f", try number(gatys, "peakResidentMiB")),
      bound + String(format: "%.0f", try number(gatys, "speedRatio")),
      String(format: "%.1f", try number(gatys, "memoryRatio")), breakEven,
    ]
    return "| " + cells.joined(separator: " | ") + " |"
  }

  @Test func harnessRunWritesTheReportAtItsEnd() throws {
    let run = try TinyExperimentRun.shared()
    let markdown = run.notebooks.appendingPathComponent("tiny.md")
    #expect(run.output.standardOutput.contains("report: \(markdown.path)"))
    let text = try String(contentsOf: markdown, encoding: .utf8)
    #expect(text.hasPrefix("# tiny\n"))
    #expect(text.contains("All 2 points finished."))
  }

  @Test func theTableHasOneRowPerPointWithItsNumbers() throws {
    let run = try TinyExperimentRun.shared()
    let notebooks = run.freshNotebooks("table")
    let outcome = try ExperimentReport.write(
      try run.folder(), notebooks: notebooks, gnuplot: .success(try TinyExperimentRun.gnuplot()))
    #expect(outcome.warnings.isEmpty, "\(outcome.warnings)")
    let text = try String(contentsOf: outcome.markdown, encoding: .utf8)
    let lines = text.split(separator: "\n").map(String.init)
    #expect(
      lines.contains(
        "| levels | params | train s | size | sample loss (mean ± sd) | ms/sample | sample MiB | Gatys | its | s to loss | Gatys MiB | speed x | memory x | break-even |"
      ))
    // K = 1: one 3x3-3x3-1x1 block of 8 channels with batch norms and the RGB convolution;
    // K = 2: two such branches, the join's two batch norms and a 16-channel block (see the
    // reference's parameter list).
    for (levels, parameters) in [(1, 955), (2, 6947)] {
      let row = try Self.expectedRow(Self.summary(run, "levels=\(levels)"), levels: levels)
      #expect(lines.contains(row), "missing row \(row)")
      #expect(row.hasPrefix("| \(levels) | \(parameters) |"))
    }
    #expect(lines.filter { $0.hasPrefix("| 1 |") || $0.hasPrefix("| 2 |") }.count == 2)
    // Settings: the preset, each deviation the file gives, the sweep, the machine and commit.
    #expect(text.contains("- Preset: `paper`"))
    #expect(text.contains("| `training.size` | `32` |"))
    #expect(text.contains("| `objective.style.layers` | `[\"relu1_1\"]` |"))
    #expect(text.contains("- Sweep: grid `generator.levels` = 1, 2 (2 points)"))
    #expect(text.contains("`{\"kind\": \"gram\", \"normalization\": \"chw\"}`"))
    let provenance = try JSONDecoder().decode(
      ProvenanceFields.self,
      from: Data(contentsOf: run.results.appendingPathComponent("levels=1/provenance.json")))
    #expect(text.contains("| git commit | \(provenance.gitCommit)"))
    #expect(text.contains("| threads | \(provenance.machine.threads) |"))
    #expect(text.contains("| BLAS kernel | \(provenance.machine.blasKernel) "))
  }

  @Test func aRemarkFollowsTheHeading() throws {
    let run = try TinyExperimentRun.shared()
    let outcome = try ExperimentReport.write(
      try run.folder(), notebooks: run.freshNotebooks("remark"), remark: "busy machine",
      gnuplot: .failure(GnuplotUnavailable(message: "not needed here")))
    let text = try String(contentsOf: outcome.markdown, encoding: .utf8)
    let remark = "Remark (given with `harness report --remark`): busy machine"
    #expect(text.contains(remark))
    let settings = try #require(text.range(of: "## Settings"))
    #expect(try #require(text.range(of: remark)).lowerBound < settings.lowerBound)
  }

  @Test func everyLinkedFigureDecodesAndEveryScriptReruns() throws {
    let run = try TinyExperimentRun.shared()
    let gnuplot = try TinyExperimentRun.gnuplot()
    let notebooks = run.freshNotebooks("figures")
    let outcome = try ExperimentReport.write(
      try run.folder(), notebooks: notebooks, gnuplot: .success(gnuplot))
    let text = try String(contentsOf: outcome.markdown, encoding: .utf8)
    let links = imageLinks(text)
    let expected = [
      "training-total", "training-levels=1", "training-levels=2", "gatys-levels=1",
      "gatys-levels=2", "sweep-sample-loss", "sweep-time-per-sample", "sweep-parameters",
      "sweep-gatys-time", "sweep-peak-memory", "samples",
    ]
    #expect(links == expected.map { "tiny/\($0).png" })
    #expect(outcome.figures == expected.map { "\($0).png" })
    for link in links {
      let image = try readImage(path: notebooks.appendingPathComponent(link).path)
      let dimensions = image.shape.dimensions
      #expect(
        dimensions[0] == 1 && dimensions[1] == 3 && dimensions[2] >= 150 && dimensions[3] >= 300)
    }
    // Each script draws its PNG again from its folder alone.
    let folder = outcome.figureFolder
    let scripts = try FileManager.default.contentsOfDirectory(atPath: folder.path)
      .filter { $0.hasSuffix(".gp") }.sorted()
    #expect(scripts.count == expected.count)
    for script in scripts {
      let png = folder.appendingPathComponent(String(script.dropLast(3)) + ".png")
      try FileManager.default.removeItem(at: png)
      #expect(gnuplot.run(script: script, in: folder) == nil, "\(script) failed")
      _ = try readImage(path: png.path)
    }
  }

  @Test func theMontagePlacesEachImageInItsCell() throws {
    let run = try TinyExperimentRun.shared()
    let notebooks = run.freshNotebooks("montage")
    let outcome = try ExperimentReport.write(
      try run.folder(), notebooks: notebooks, gnuplot: .success(try TinyExperimentRun.gnuplot()))
    let grid = try readImage(
      path: outcome.figureFolder.appendingPathComponent("samples-images.png").path)
    // Cells of 96 pixels (32² enlarged 3x), 6 apart: exemplar, Gatys, two samples; two rows.
    #expect(grid.shape.dimensions == [1, 3, 2 * 96 + 6, 4 * 96 + 3 * 6])
    let exemplar = try HDF5File.open(run.files.images).root.readTensor("style")
    let sample = try readImage(
      path: run.results.appendingPathComponent("levels=2/evaluation/size-32/sample-0001.png").path)
    let gatys = try readImage(
      path: run.results.appendingPathComponent("levels=1/gatys/lbfgs/final.png").path)
    let width = 4 * 96 + 3 * 6
    let height = 2 * 96 + 6
    let values = grid.scalars
    func pixel(_ channel: Int, _ y: Int, _ x: Int) -> Float {
      values[(channel * height + y) * width + x]
    }
    for (y, x) in [(0, 0), (5, 17), (31, 31)] {
      for channel in 0..<3 {
        // The exemplar of row 1 (8-bit rounded), enlarged: source pixel (y, x) covers 3 x 3.
        let stored = exemplar.scalars[(channel * 32 + y) * 32 + x]
        #expect(abs(pixel(channel, 3 * y + 1, 3 * x + 2) - stored) <= 0.5 / 255 + 1e-6)
        // Row 1, column 2: the Gatys result of levels=1.
        #expect(
          pixel(channel, 3 * y, 102 + 3 * x) == gatys.scalars[(channel * 32 + y) * 32 + x])
        // Row 2, column 4: the second sample of levels=2.
        #expect(
          pixel(channel, 102 + 3 * y + 2, 3 * 102 + 3 * x + 1)
            == sample.scalars[(channel * 32 + y) * 32 + x])
      }
    }
    // The gap between cells is white.
    #expect((0..<3).allSatisfy { pixel($0, 50, 98) == 1 })
  }

  @Test func aHalfFinishedExperimentSaysWhichPointsAreMissing() throws {
    let run = try TinyExperimentRun.shared()
    let copy = run.files.directory.url.appendingPathComponent(
      "half-\(UUID().uuidString.prefix(6))/tiny")
    try FileManager.default.createDirectory(
      at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: run.results, to: copy)
    try FileManager.default.removeItem(at: copy.appendingPathComponent("levels=2/summary.json"))
    // The same experiment with a third point that never started.
    let three = try run.files.directory.writeText(
      TinyExperimentRun.experiment(run.files).replacingOccurrences(of: "[1, 2]", with: "[1, 2, 3]"),
      to: "tiny-three-\(UUID().uuidString.prefix(6)).json")
    let notebooks = run.freshNotebooks("half")
    let outcome = try ExperimentReport.write(
      try ResultsFolder(url: copy, experimentFile: three), notebooks: notebooks,
      gnuplot: .success(try TinyExperimentRun.gnuplot()))
    let text = try String(contentsOf: outcome.markdown, encoding: .utf8)
    #expect(text.contains("**Half-finished: 1 of 3 points finished.**"))
    #expect(
      text.contains(
        "- `levels=2`: training completed (4 iterations), evaluated at 32, Gatys lbfgs run"))
    #expect(text.contains("- `levels=3`: not started"))
    let lines = text.split(separator: "\n")
    #expect(lines.contains { $0.hasPrefix("| 1 | 955 |") })
    #expect(!lines.contains { $0.hasPrefix("| 2 |") })
    // No sweep figure from a single finished point; its own figures are there.
    let folder = outcome.figureFolder.lastPathComponent
    #expect(outcome.markdown.lastPathComponent == "\(folder).md" && folder.hasPrefix("tiny-three-"))
    #expect(imageLinks(text).contains("\(folder)/gatys-levels=1.png"))
    #expect(!imageLinks(text).contains { $0.contains("sweep-") })
  }
}

/// The provenance fields the settings table shows.
struct ProvenanceFields: Decodable {
  struct Machine: Decodable {
    var threads: Int
    var blasKernel: String
  }
  var gitCommit: String
  var machine: Machine
}
