import Experiments
import Foundation
import Store
import Testing
import _TestSupport

@testable import Reports

/// Sweeps over array- and object-valued keys (style layer sets, loss kinds) plot one labelled
/// mark per point. Their values' JSON text once went into the data files with `\"` escapes,
/// which gnuplot does not read in data: ablation-layers' figures showed one mark labelled `[`.
@Suite struct SweepFiguresTests {
  static let layerSets = (1...5).map { count in (1...count).map { "relu\($0)_1" } }

  static func summaries() -> [PointSummary] {
    layerSets.enumerated().map { index, layers in
      let generator = SizeEvaluation(
        size: 64, sampleLosses: [1e-4 * Double(index + 1), 2e-4], secondsPerSample: 0.005,
        samplePeakResidentMiB: 45)
      let gatys = GatysComparison(
        optimizer: "lbfgs", size: 64, targetLoss: 1e-4, reachedLoss: true, iterations: 6,
        seconds: 0.015 * Double(index + 1), finalLoss: 9e-5, peakResidentMiB: 51,
        generator: generator, trainingSeconds: 20)
      let json = "[" + layers.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
      return PointSummary(
        point: "layers=" + layers.joined(separator: "+"),
        values: [SweptValue(key: "objective.style.layers", value: json)], parameterCount: 71659,
        trainingIterations: 10, trainingSeconds: 20, trainingFinalLoss: 1e-4,
        trainingPeakResidentMiB: 200, evaluations: [generator], gatys: [gatys])
    }
  }

  /// A data row split as gnuplot splits it: words, or double-quoted strings ending at the next
  /// `"` (no escapes).
  static func gnuplotColumns(_ line: Substring) -> [String] {
    var columns: [String] = []
    var rest = line[...]
    while let start = rest.firstIndex(where: { !$0.isWhitespace }) {
      rest = rest[start...]
      if rest.first == "\"" {
        let body = rest.dropFirst()
        let end = body.firstIndex(of: "\"") ?? body.endIndex
        columns.append(String(body[..<end]))
        rest = end < body.endIndex ? body[body.index(after: end)...] : body[end...]
      } else {
        let end = rest.firstIndex(where: \.isWhitespace) ?? rest.endIndex
        columns.append(String(rest[..<end]))
        rest = rest[end...]
      }
    }
    return columns
  }

  @Test func arrayValuedPointsAreLabelledByTheirFolderNamesValue() throws {
    let axis = Sweep.Axis(
      key: "objective.style.layers",
      values: Self.layerSets.map { .array($0.map(JSONValue.string)) })
    let figures = SweepFigures.figures(Self.summaries(), axes: [axis])
    #expect(figures.count == 5)
    let labels = Self.layerSets.map { $0.joined(separator: "+") }
    for figure in figures {
      guard case .table(let text) = figure.data else {
        Issue.record("\(figure.name) is not a table")
        continue
      }
      let rows = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
      #expect(rows.map { Self.gnuplotColumns($0)[1] } == labels, "\(figure.name)")
      #expect(rows.allSatisfy { !$0.contains("\\") }, "\(figure.name)")
      #expect(rows.map { Self.gnuplotColumns($0)[0] } == ["0", "1", "2", "3", "4"], "\(figure.name)")
    }
    let gatys = try #require(figures.first { $0.name == "sweep-gatys-time" })
    #expect(gatys.caption.contains("lowest at objective.style.layers=relu1_1 (0.015)"))
  }

  @Test func gnuplotReadsEveryRow() throws {
    let gnuplot: Gnuplot
    switch Gnuplot.locate() {
    case .success(let found): gnuplot = found
    case .failure(let reason):
      Issue.record("this test draws with gnuplot: \(reason.message)")
      return
    }
    let axis = Sweep.Axis(
      key: "objective.style.layers",
      values: Self.layerSets.map { .array($0.map(JSONValue.string)) })
    let figure = try #require(
      SweepFigures.figures(Self.summaries(), axes: [axis]).first { $0.name == "sweep-gatys-time" })
    let folder = try TemporaryDirectory()
    guard case .table(let text) = figure.data else {
      Issue.record("sweep-gatys-time is not a table")
      return
    }
    try text.write(toFile: folder.file(figure.dataFile), atomically: true, encoding: .utf8)
    // stats counts the rows gnuplot parsed with a number in column 3, and reads label 2.
    try folder.writeText(
      """
      stats '\(figure.dataFile)' using 3 nooutput
      set print 'count.txt'
      print STATS_records
      """, to: "count.gp")
    #expect(gnuplot.run(script: "count.gp", in: folder.url) == nil)
    let count = try String(contentsOfFile: folder.file("count.txt"), encoding: .utf8)
    #expect(count.trimmingCharacters(in: .whitespacesAndNewlines) == "5")
    // The figure's own script draws it, its tics the wrapped names.
    #expect(
      figure.script.contains(
        #"set xtics ("relu1_1" 0, "relu1_1+\nrelu2_1" 1, "relu1_1+\nrelu2_1+\nrelu3_1" 2, "#
          + #""relu1_1+\nrelu2_1+\nrelu3_1+\nrelu4_1" 3, "#
          + #""relu1_1+\nrelu2_1+\nrelu3_1+\nrelu4_1+\nrelu5_1" 4)"#),
      "\(figure.script)")
    try folder.writeText(figure.script, to: "\(figure.name).gp")
    #expect(gnuplot.run(script: "\(figure.name).gp", in: folder.url) == nil)
    _ = try readImage(path: folder.file("\(figure.name).png"))
  }

  @Test func longNamesWrapAtTheirSeparators() {
    #expect(
      SweepFigures.wrap("relu1_1+relu2_1+relu3_1+relu4_1+relu5_1", width: 16)
        == ["relu1_1+relu2_1+", "relu3_1+relu4_1+", "relu5_1"])
    #expect(SweepFigures.wrap("levels=5,size=128", width: 9) == ["levels=5,", "size=128"])
    #expect(SweepFigures.wrap("slicedWasserstein", width: 8) == ["slicedWasserstein"])
    #expect(SweepFigures.wrap("", width: 8) == [])
  }
}
