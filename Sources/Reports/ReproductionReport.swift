import Experiments
import Foundation
import TensorCore

/// `notebooks-md/reproduction.md`: the paper's speed, memory, size and training-time claims
/// (`PaperClaims`, Tesla K40) side by side with what the harness measured on this CPU, at each
/// evaluation size of a run of `experiments/paper-texture.json` (or a shortened version of it,
/// whose notes say how), with the PyTorch reference's figures on this machine
/// (`ReferenceBenchmarks`) as a third column where they exist. Built from disk only: the first
/// finished point's `summary.json`, `provenance.json`, stores and images.
public enum ReproductionReport {
  /// The notebook's file stem (`reproduction.md`, figures in `reproduction/`).
  public static let name = "reproduction"

  /// Writes the notebook for `results` under `notebooks`; `remark` (what the files cannot say,
  /// such as how busy the machine was) becomes a paragraph of its own, marked as given by hand.
  ///
  /// - Throws: `ReportError.nothingFinished` when no point has finished; `.unwritable`.
  public static func write(
    _ results: ResultsFolder, notebooks: URL, reference: ReferenceBenchmarks?,
    remark: String? = nil, gnuplot: Result<Gnuplot, GnuplotUnavailable> = Gnuplot.locate()
  ) throws(ReportError) -> ReportOutcome {
    guard let point = results.finished.first, let summary = point.summary else {
      throw .nothingFinished(results.url.path)
    }
    let folder = notebooks.appendingPathComponent(name)
    let markdown = notebooks.appendingPathComponent("\(name).md")
    let writer = FigureWriter(directory: folder, gnuplot: gnuplot)
    try writer.prepare()
    var warnings = results.warnings
    var figures = FigureSection(writer: writer, link: name)
    if case .failure(let reason) = gnuplot {
      warnings.append(reason.message)
      figures.append("**No figures were drawn:** \(reason.message).\n\n")
    }
    try addFigures(point, summary: summary, to: &figures, warnings: &warnings)
    warnings += figures.writer.problems
    var text = "# Texture Networks' speed and memory claims, reproduced on this CPU\n\n"
    text +=
      "Built by `harness report --reproduction \(results.url.relativePath)` at \(ISO8601DateFormatter().string(from: Date())) from the results on disk (nothing re-run): point `\(point.name)` of `\(results.name)`.\n\n"
    if let notes = results.source?.notes { text += "What was run: \(notes)\n\n" }
    if let remark { text += "Remark (given with `harness report --remark`): \(remark)\n\n" }
    text += hardware(point) + "\n"
    text += ReproductionTable.markdown(summary: summary, point: point, reference: reference) + "\n"
    text += SettingsSection.markdown(results, notes: false) + "\n"
    text += "## Figures\n\n" + figures.text
    return try ReportOutcome.write(text, to: markdown, figures: figures, warnings: warnings)
  }

  /// The hardware difference, said plainly.
  static func hardware(_ point: PointResults) -> String {
    let machine = point.provenance?.machine
    let cpu =
      machine.map {
        "\($0.cpuModel) (\($0.cpuIdentity)), \($0.logicalCPUs) logical CPUs, \($0.threads) threads, OpenBLAS kernel \($0.blasKernel)"
      } ?? "this machine (its provenance.json could not be read)"
    return """
      ## Hardware

      The paper measured on an \(PaperClaims.hardware) (2880 CUDA cores, about 4.3 TFLOP/s \
      single-precision peak, 12 GB). Everything the harness measured here ran on \(cpu), with \
      no GPU: a machine with a small fraction of the K40's arithmetic throughput (the VGG-19 \
      convolutions reach a few hundred GFLOP/s here, `notebooks-md/benchmarks.md`). Absolute \
      times therefore do not compare with the paper's; the ratios (Gatys against the generator \
      on the same machine) are what can, and they too depend on the hardware: the generator's \
      small convolutions and VGG-19's large ones do not speed up alike on a GPU and on two CPU \
      cores. Memory is the peak resident set of a whole process (VmHWM), the paper's was GPU \
      memory.

      """
  }

  /// The training curve, the paper's figure and the samples montage of `point`.
  static func addFigures(
    _ point: PointResults, summary: PointSummary, to figures: inout FigureSection,
    warnings: inout [String]
  ) throws(ReportError) {
    do {
      let table = try StoredTable(file: point.trainingStore.path)
      try figures.add(TrainingLossFigures.terms(point: point.name, table: table))
    } catch let error as ReportError {
      throw error
    } catch {
      warnings.append("\(point.trainingStore.path): the training curve is left out: \(error)")
    }
    for figure in GatysTimeFigure.figures(
      point: point, summary: summary, name: "gatys", warnings: &warnings)
    {
      try figures.add(figure)
    }
    try figures.add(montage(point, summary: summary))
  }

  /// One row: the exemplar, each Gatys result, two samples at each evaluation size.
  static func montage(_ point: PointResults, summary: PointSummary) -> Figure? {
    let sizes = summary.evaluations.map(\.size)
    guard let smallest = sizes.min() else { return nil }
    // Short labels: seven or so columns of 160 pixels share one row.
    let optimizers = Set(summary.gatys.map(\.optimizer))
    var columns =
      ["exemplar"]
      + summary.gatys.map { "Gatys \($0.size)²" + (optimizers.count > 1 ? " \($0.optimizer)" : "") }
    var images: [Tensor?] = [point.experiment?.task.styles.first.flatMap(SampleMontage.load)]
    images += summary.gatys.map { SampleMontage.load(point.gatysImage($0).path) }
    for size in sizes {
      for (index, sample) in point.samples(size: size).prefix(2).enumerated() {
        columns.append("sample \(index + 1), \(size)²")
        images.append(SampleMontage.load(sample.path))
      }
    }
    // One row of six or so images: cells of 160 pixels keep the labels legible at the width a
    // markdown viewer shows.
    let cell = min(160, SampleMontage.cellSide(for: smallest))
    return SampleMontage.figure(
      name: "samples", columns: columns,
      rows: [SampleMontage.Row(label: "", images: images)], cell: cell,
      caption:
        "The exemplar, each Gatys result (its image on reaching the generator's mean sample loss at its size, or its last at its iteration cap) and two generator samples at each evaluation size, every image shown at \(cell)×\(cell) (larger samples shrunk by area averaging)."
    )
  }
}
