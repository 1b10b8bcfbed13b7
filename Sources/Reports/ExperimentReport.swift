import Experiments
import Foundation

/// The experiment's notebook, `<notebooks>/<experiment>.md`, with its figures in
/// `<notebooks>/<experiment>/`, built from a results folder on disk only (nothing is re-run):
///
///     # <experiment>            what it is, when it was built, which points are missing
///     ## Settings               preset, deviations, sweep, objective, machine and code
///     ## Comparison             one row per point (SummaryTable's cells), the legend
///     ## Figures                training loss (per term per point; totals overlaid), the
///                               paper's figure per point (Gatys loss against time with the
///                               generator's loss and time per sample), each metric against
///                               the swept key, the samples montage; each with one sentence
///
/// Every figure is a PNG with its gnuplot script (`NAME.gp`) and data (`NAME.dat`) beside it.
/// Without gnuplot the markdown and the scripts are still written, and the report says so.
public enum ExperimentReport {
  /// Writes the report of `results` under `notebooks`, drawing with `gnuplot`; `remark` (what
  /// the files cannot say, e.g. how busy the machine was) follows the heading.
  ///
  /// - Throws: `ReportError.unwritable` when the notebook folder cannot be written.
  public static func write(
    _ results: ResultsFolder, notebooks: URL, remark: String? = nil,
    gnuplot: Result<Gnuplot, GnuplotUnavailable> = Gnuplot.locate()
  ) throws(ReportError) -> ReportOutcome {
    let folder = notebooks.appendingPathComponent(results.name)
    let markdown = notebooks.appendingPathComponent("\(results.name).md")
    let writer = FigureWriter(directory: folder, gnuplot: gnuplot)
    try writer.prepare()
    var warnings = results.warnings
    var figures = FigureSection(writer: writer, link: results.name)
    if case .failure(let reason) = gnuplot {
      warnings.append(reason.message)
      figures.append(
        "**No figures were drawn:** \(reason.message). Their scripts and data are in `\(results.name)/`: rerun this report once gnuplot is installed, or run `gnuplot NAME.gp` in that folder.\n\n"
      )
    }
    try addFigures(results, to: &figures, warnings: &warnings)
    warnings += figures.writer.problems
    var text = heading(results)
    if let remark { text += "Remark (given with `harness report --remark`): \(remark)\n\n" }
    text += SettingsSection.markdown(results) + "\n"
    text += comparison(results) + "\n"
    text += "## Figures\n\n" + figures.text
    return try ReportOutcome.write(text, to: markdown, figures: figures, warnings: warnings)
  }

  /// The title, the provenance of the report itself, and the unfinished points.
  static func heading(_ results: ResultsFolder) -> String {
    var text = "# \(results.name)\n\n"
    text +=
      "Built by `harness report \(results.url.relativePath)` at \(ISO8601DateFormatter().string(from: Date())) from the results on disk (nothing re-run).\n\n"
    let unfinished = results.unfinished
    let total = results.finished.count + unfinished.count
    if unfinished.isEmpty {
      text += "All \(total) point\(total == 1 ? "" : "s") finished.\n\n"
    } else {
      text +=
        "**Half-finished: \(results.finished.count) of \(total) points finished.** Missing from the table and figures below:\n\n"
      for (name, progress) in unfinished { text += "- `\(name)`: \(progress)\n" }
      text += "\n"
    }
    return text
  }

  /// The comparison table: a column per swept key, then SummaryTable's columns.
  static func comparison(_ results: ResultsFolder) -> String {
    let summaries = results.finished.compactMap(\.summary)
    guard !summaries.isEmpty else { return "## Comparison\n\nNo point has finished yet.\n" }
    let keys = summaries[0].values.map(\.key)
    let shortKeys = keys.map { key in
      let last = key.split(separator: ".").last.map(String.init) ?? key
      return keys.filter { $0.hasSuffix("." + last) || $0 == last }.count > 1 ? key : last
    }
    let header = keys.isEmpty ? SummaryTable.header : shortKeys + SummaryTable.header.dropFirst()
    var rows: [[String]] = []
    for summary in summaries {
      for row in SummaryTable.rows([summary]) {
        rows.append(keys.isEmpty ? row : summary.values.map(\.value) + row.dropFirst())
      }
    }
    return "## Comparison\n\n"
      + "One row per point (and evaluation size and Gatys optimiser), from each point's `summary.json`. The generator's time and memory are per sample at batch 1 in a fresh process; Gatys runs from noise until its loss falls below the generator's mean sample loss.\n\n"
      + MarkdownTable(header: header, rows: rows).text + "\n" + SummaryTable.legend + "\n"
  }

  /// Every figure, in the order the markdown shows them.
  static func addFigures(
    _ results: ResultsFolder, to figures: inout FigureSection, warnings: inout [String]
  ) throws(ReportError) {
    var tables: [(point: String, table: StoredTable)] = []
    for point in results.points
    where FileManager.default.fileExists(atPath: point.trainingStore.path) {
      do {
        tables.append((point.name, try StoredTable(file: point.trainingStore.path)))
      } catch {
        warnings.append("\(point.trainingStore.path): the training curve is left out: \(error)")
      }
    }
    if !tables.isEmpty {
      figures.append("### Training loss\n\n")
      try figures.add(TrainingLossFigures.totals(tables))
      for entry in tables {
        try figures.add(TrainingLossFigures.terms(point: entry.point, table: entry.table))
      }
    }
    let finished = results.finished
    if !finished.isEmpty {
      figures.append(
        "### Gatys against the generator (the paper's comparison)\n\nUlyanov et al. (2016, §4) report that Gatys et al. need about 500 times the generator's time to reach its loss. Here each point's own Gatys run (from noise, at the point's `gatys.size` and each of `gatys.additionalSizes`) is set against that point's generator at the same size.\n\n"
      )
      for point in finished {
        guard let summary = point.summary else { continue }
        for figure in GatysTimeFigure.figures(
          point: point, summary: summary, name: "gatys-\(point.name)", warnings: &warnings)
        {
          try figures.add(figure)
        }
      }
    }
    let summaries = finished.compactMap(\.summary)
    let axes = results.source?.sweep.axes ?? []
    let sweepFigures = SweepFigures.figures(
      summaries, axes: axes.isEmpty ? keyAxes(summaries) : axes)
    if !sweepFigures.isEmpty {
      figures.append("### Metrics against the swept key\n\n")
      for figure in sweepFigures { try figures.add(figure) }
    }
    if let montage = montage(finished) {
      figures.append("### Samples\n\n")
      try figures.add(montage)
    }
  }

  /// The swept keys of `summaries` (when the experiment file is not at hand).
  static func keyAxes(_ summaries: [PointSummary]) -> [Sweep.Axis] {
    (summaries.first?.values ?? []).map { Sweep.Axis(key: $0.key, values: []) }
  }

  /// One row per finished point: the exemplar (and in style mode the content photo), each Gatys
  /// result, the first four samples at the Gatys size; cells narrow enough that the whole fits
  /// about 1000 pixels, so the labels stay legible at the width a markdown viewer shows.
  static func montage(_ points: [PointResults]) -> Figure? {
    guard let summary = points.first?.summary,
      let size = summary.gatys.first?.size ?? summary.evaluations.first?.size
    else { return nil }
    let optimizers = summary.gatys.filter { $0.size == size }.map(\.optimizer)
    let sampleCount = min(4, points.map { $0.samples(size: size).count }.max() ?? 0)
    // Style mode: the photo every sample and Gatys stylise, beside the style.
    let showsContent = points.contains { $0.experiment?.task.evaluationContent != nil }
    let columns =
      ["exemplar"] + (showsContent ? ["content"] : []) + optimizers.map { "Gatys (\($0))" }
      + (0..<sampleCount).map { "sample \($0 + 1)" }
    let rows = points.map { point in
      let exemplar = point.experiment?.task.styles.first.flatMap(SampleMontage.load)
      let content = point.experiment?.task.evaluationContent.flatMap(SampleMontage.load)
      let gatys = optimizers.map {
        SampleMontage.load(point.gatysFolder($0, size: size).appendingPathComponent("final.png").path)
      }
      let samples = point.samples(size: size).prefix(sampleCount).map {
        SampleMontage.load($0.path)
      }
      return SampleMontage.Row(
        label: point.name, images: [exemplar] + (showsContent ? [content] : []) + gatys + samples)
    }
    return SampleMontage.figure(
      name: "samples", columns: columns, rows: rows,
      cell: min(SampleMontage.cellSide(for: size), max(96, 1000 / columns.count)),
      caption:
        "One row per point at \(size)×\(size): the exemplar (scaled to the cell)\(showsContent ? ", the content photo the samples and Gatys stylise" : ""), the Gatys result when its loss reached the generator's mean sample loss (or its last image), and the first \(sampleCount) evaluation samples from fresh noise; images smaller than 96 pixels are enlarged by whole factors, pixel for pixel, and a grey cell is an image that could not be read."
    )
  }
}
