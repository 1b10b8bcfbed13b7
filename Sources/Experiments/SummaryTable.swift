import Foundation

/// The experiment's comparison table, one row per point, evaluation size and Gatys optimiser,
/// as printed at the end of `harness run` (`text`) and in the report's markdown (`header`,
/// `rows`, `legend`: the same cells):
///
///     point  params  train s  size  sample loss (mean ± sd)  ms/sample  sample MiB  Gatys  its
///     s to loss  Gatys MiB  speed x  memory x  break-even
public enum SummaryTable {
  /// The column titles.
  public static let header = [
    "point", "params", "train s", "size", "sample loss (mean ± sd)", "ms/sample", "sample MiB",
    "Gatys", "its", "s to loss", "Gatys MiB", "speed x", "memory x", "break-even",
  ]

  /// The cells of `summaries`, one row per point, evaluation size and Gatys optimiser at that
  /// size (`-` in the Gatys columns of a size without one). A run that did not reach the loss
  /// shows `>` before its iterations, seconds and speed ratio (lower bounds) and `<=` before its
  /// break-even count (an upper bound). Gatys' seconds keep three significant digits, so a
  /// run of 17 ms reads `0.017`, not `0.0`.
  public static func rows(_ summaries: [PointSummary]) -> [[String]] {
    var rows: [[String]] = []
    for summary in summaries {
      for evaluation in summary.evaluations {
        let comparisons = summary.gatys.filter { $0.size == evaluation.size }
        let generatorColumns = [
          summary.point, "\(summary.parameterCount)",
          String(format: "%.1f", summary.trainingSeconds),
          "\(evaluation.size)",
          String(format: "%.4g ± %.2g", evaluation.lossMean, evaluation.lossStandardDeviation),
          String(format: "%.2f", evaluation.secondsPerSample * 1000),
          String(format: "%.0f", evaluation.samplePeakResidentMiB),
        ]
        if comparisons.isEmpty {
          rows.append(generatorColumns + Array(repeating: "-", count: 7))
        }
        for gatys in comparisons {
          let bound = gatys.reachedLoss ? "" : ">"
          rows.append(
            generatorColumns + [
              gatys.optimizer, "\(bound)\(gatys.iterations)",
              bound + String(format: "%.3g", gatys.seconds),
              String(format: "%.0f", gatys.peakResidentMiB),
              String(format: "%@%.0f", bound, gatys.speedRatio),
              String(format: "%.1f", gatys.memoryRatio),
              gatys.breakEvenCount.map { (gatys.reachedLoss ? "" : "<=") + "\($0)" } ?? "never",
            ])
        }
      }
    }
    return rows
  }

  /// What the bounds and the ratio columns mean.
  public static let legend = """
    (> : Gatys did not reach the generator's mean sample loss within its iteration cap: \
    its time and the speed ratio are lower bounds, and the break-even count (<=) an upper \
    bound. speed x = Gatys seconds to that loss / the \
    generator's seconds per sample; memory x = peak RSS ratio; break-even = images from which \
    training plus generation is cheaper than Gatys per image.)
    """

  /// The table of `summaries` (plain text, aligned columns) and the legend.
  public static func text(_ summaries: [PointSummary]) -> String {
    let rows = rows(summaries)
    let widths = header.indices.map { column in
      ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
    }
    func line(_ cells: [String]) -> String {
      zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
        .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n" + legend
  }
}
