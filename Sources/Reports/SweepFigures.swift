import Experiments
import Foundation

/// For a sweep: each metric of the comparison against the swept key (one point per finished
/// sweep point): the mean sample loss (± one standard deviation), the time per sample, the
/// parameters, Gatys's time to the generator's loss, and the peak memories. With one numeric
/// swept key the x axis is its value; otherwise the points are spaced evenly, labelled by name.
enum SweepFigures {
  /// One plotted series: a value (and optionally an error bar) per point.
  struct Series {
    var title: String
    var values: [Double?]
    var errors: [Double?]? = nil
    var pointType = 7
  }

  /// The five figures for `summaries` (at least two points), swept over `axes`.
  static func figures(_ summaries: [PointSummary], axes: [Sweep.Axis]) -> [Figure] {
    guard summaries.count >= 2 else { return [] }
    let key = axes.count == 1 ? axes[0].key : "point"
    let labels = summaries.map { axes.count == 1 ? valueLabel($0.point) : $0.point }
    let numbers = labels.map { Double($0) }
    let positions: [Double] =
      numbers.allSatisfy { $0 != nil }
      ? numbers.map { $0! } : summaries.indices.map(Double.init)
    let axis = Axis(
      key: key, labels: labels, positions: positions,
      isNumeric: numbers.allSatisfy { $0 != nil })
    let sizes = summaries[0].evaluations.map(\.size)
    func evaluation(_ summary: PointSummary, _ size: Int) -> SizeEvaluation? {
      summary.evaluations.first { $0.size == size }
    }
    // The Gatys figures are at gatys.size, the first comparisons' size.
    let gatysSize = summaries[0].gatys.first?.size
    let optimizers = summaries[0].gatys.filter { $0.size == gatysSize }.map(\.optimizer)
    func gatys(_ summary: PointSummary, _ optimizer: String) -> GatysComparison? {
      summary.gatys.first { $0.optimizer == optimizer && $0.size == gatysSize }
    }
    var figures: [Figure] = []
    figures.append(
      figure(
        "sweep-sample-loss", axis: axis, title: "Mean sample loss against \(key)",
        ylabel: "loss under the training objective (log scale)",
        series: sizes.map { size in
          Series(
            title: "\(size)×\(size), ± 1 sd over the samples",
            values: summaries.map { evaluation($0, size)?.lossMean },
            errors: summaries.map { evaluation($0, size)?.lossStandardDeviation })
        }, what: "the mean sample loss (± one standard deviation over the samples)"))
    figures.append(
      figure(
        "sweep-time-per-sample", axis: axis, title: "Generator time per sample against \(key)",
        ylabel: "ms per sample, batch 1 (log scale)",
        series: sizes.map { size in
          Series(
            title: "samples of \(size)×\(size)",
            values: summaries.map { evaluation($0, size).map { $0.secondsPerSample * 1000 } })
        }, what: "the generator's median time per sample in ms"))
    figures.append(
      figure(
        "sweep-parameters", axis: axis, title: "Generator parameters against \(key)",
        ylabel: "parameters (log scale)",
        series: [Series(title: "parameters", values: summaries.map { Double($0.parameterCount) })],
        what: "the generator's parameter count"))
    figures.append(
      figure(
        "sweep-gatys-time", axis: axis,
        title: "Gatys time to the generator's mean sample loss against \(key)",
        ylabel: "seconds (log scale)",
        series: optimizers.flatMap { optimizer in
          [
            Series(
              title: "Gatys (\(optimizer)), reached",
              values: summaries.map { summary in
                gatys(summary, optimizer).flatMap { $0.reachedLoss ? $0.seconds : nil }
              }),
            Series(
              title: "Gatys (\(optimizer)), not reached: lower bound",
              values: summaries.map { summary in
                gatys(summary, optimizer).flatMap { $0.reachedLoss ? nil : $0.seconds }
              }, pointType: 8),
          ]
        }, what: "Gatys's seconds to reach the generator's mean sample loss"))
    figures.append(
      figure(
        "sweep-peak-memory", axis: axis, title: "Peak resident memory against \(key)",
        ylabel: "peak RSS (MiB, log scale)",
        series: [
          Series(title: "training", values: summaries.map { $0.trainingPeakResidentMiB })
        ]
          + sizes.map { size in
            Series(
              title: "generator, one \(size)×\(size) sample",
              values: summaries.map { evaluation($0, size)?.samplePeakResidentMiB })
          }
          + optimizers.map { optimizer in
            Series(
              title: "Gatys (\(optimizer))",
              values: summaries.map { gatys($0, optimizer)?.peakResidentMiB })
          }, what: "the training's peak RSS in MiB"))
    return figures
  }

  /// The value part of a one-key point name (`levels=5` gives `5`, `layers=relu1_1+relu2_1`
  /// gives `relu1_1+relu2_1`, `loss={"kind": "mmd", ...}`'s folder `loss=mmd` gives `mmd`): the
  /// folder name's short, quote-free form of the value, which gnuplot reads as one x tic label.
  static func valueLabel(_ point: String) -> String {
    point.firstIndex(of: "=").map { String(point[point.index(after: $0)...]) } ?? point
  }

  /// The x axis: the swept key, each point's label and position.
  struct Axis {
    var key: String
    var labels: [String]
    var positions: [Double]
    /// Whether the labels are the swept numbers themselves (the points are placed at them).
    var isNumeric = false
  }

  /// `label` broken after its `+` and `,` separators into lines of at most `width` characters
  /// (a longer piece keeps a line of its own): `relu1_1+relu2_1+relu3_1` at 16 gives
  /// `relu1_1+relu2_1+` and `relu3_1`.
  static func wrap(_ label: String, width: Int) -> [String] {
    var pieces: [String] = []
    var piece = ""
    for character in label {
      piece.append(character)
      if character == "+" || character == "," {
        pieces.append(piece)
        piece = ""
      }
    }
    if !piece.isEmpty { pieces.append(piece) }
    var lines: [String] = []
    var line = ""
    for piece in pieces {
      if !line.isEmpty && line.count + piece.count > width {
        lines.append(line)
        line = ""
      }
      line += piece
    }
    if !line.isEmpty { lines.append(line) }
    return lines
  }

  /// One metric figure: a column per series (and its error), a row per point; a series no
  /// point measured is left out.
  static func figure(
    _ name: String, axis: Axis, title: String, ylabel: String, series: [Series], what: String
  ) -> Figure {
    let measured = series.filter { $0.values.contains { $0 != nil } }
    let series = measured.isEmpty ? Array(series.prefix(1)) : measured
    var data = "# \(title)\n# \(axis.key) label"
    for item in series { data += " \"\(item.title)\"" + (item.errors == nil ? "" : " sd") }
    data += "\n"
    for row in axis.labels.indices {
      var cells = [
        GnuplotScript.number(axis.positions[row]), GnuplotScript.dataLabel(axis.labels[row]),
      ]
      for item in series {
        cells.append(GnuplotScript.number(item.values[row], positive: true))
        if let errors = item.errors { cells.append(GnuplotScript.number(errors[row])) }
      }
      data += cells.joined(separator: " ") + "\n"
    }
    // Numbers label their own tics; names are placed evenly and wrapped at their separators to
    // the room a point has (about 770 px of plot width, 11 px per character); the axis label
    // moves down by the extra lines.
    let ticColumn = axis.isNumeric ? ":xtic(2)" : ""
    let ticLines = axis.labels.map {
      wrap($0, width: max(8, Int(770 / 11 / Double(max(axis.labels.count, 1)))))
    }
    let lineCount = ticLines.map(\.count).max() ?? 1
    let ticCommand =
      axis.isNumeric
      ? ""
      : "set xtics ("
        + zip(ticLines, axis.positions).map {
          "\(GnuplotScript.quotedLines($0)) \(GnuplotScript.number($1))"
        }.joined(separator: ", ") + ")\n"
    // Each extra line of tic labels makes the picture 22 px taller below the plot, whose size
    // stays that of a one-line figure.
    let bottom = GnuplotScript.height / 4 + 22 * (lineCount - 1)
    let height = GnuplotScript.height + 22 * (lineCount - 1)
    var plots: [String] = []
    var column = 3
    for item in series {
      let title = GnuplotScript.quoted(item.title)
      if item.errors != nil {
        plots.append(
          "'\(name).dat' using 1:\(column):\(column + 1)\(ticColumn) with yerrorlines lw 2 pt \(item.pointType) ps 1.5 title \(title)"
        )
        column += 2
      } else {
        plots.append(
          "'\(name).dat' using 1:\(column)\(ticColumn) with linespoints lw 2 pt \(item.pointType) ps 1.5 title \(title)"
        )
        column += 1
      }
    }
    let low = axis.positions.min() ?? 0
    let high = axis.positions.max() ?? 1
    let margin = max((high - low) * 0.06, 0.5)
    let script =
      GnuplotScript.header(name, dataFile: "\(name).dat", height: height)
        + """
        set title \(GnuplotScript.quoted(title))
        set xlabel \(GnuplotScript.quoted(axis.key)) offset 0,\(1 - lineCount)
        set ylabel \(GnuplotScript.quoted(ylabel))
        set logscale y
        set autoscale yfix
        set format y "%g"
        set ytics (\(logTics(series.flatMap(\.values)).map { GnuplotScript.number($0) }.joined(separator: ", ")))
        set xrange [\(GnuplotScript.number(low - margin)):\(GnuplotScript.number(high + margin))]
        set offsets 0, 0, graph 0.1, graph 0.1
        \(ticCommand)set bmargin at screen \(GnuplotScript.number(Double(bottom) / Double(height)))
        set key at screen 0.5, 0.01 center bottom horizontal width 1
        plot \(plots.joined(separator: ", \\\n     "))

        """
    return Figure(
      name: name, data: .table(data), script: script,
      caption: caption(series.first, axis: axis, what: what), title: title)
  }

  /// Tic values for a log axis over `values`: 1, 2, 5 times powers of ten in their range (with
  /// 3 and 7 too when that gives fewer than four), so a narrow range still has labelled tics.
  static func logTics(_ values: [Double?]) -> [Double] {
    let known = values.compactMap { $0 }.filter { $0 > 0 && $0.isFinite }
    guard let low = known.min(), let high = known.max() else { return [1] }
    let (from, to) = (low / 1.25, high * 1.25)
    func tics(_ mantissas: [Double]) -> [Double] {
      let first = Int(floor(log10(from)))
      let last = Int(ceil(log10(to)))
      return (first...last).flatMap { power in mantissas.map { $0 * pow(10, Double(power)) } }
        .filter { $0 >= from && $0 <= to }
    }
    let coarse = tics([1, 2, 5])
    return coarse.count >= 4 ? coarse : tics([1, 1.5, 2, 3, 5, 7])
  }

  /// `<what> against <key>: lowest at levels=5 (3.29e-05), highest at levels=1 (1.2e-04).`
  static func caption(_ series: Series?, axis: Axis, what: String) -> String {
    let start = what.prefix(1).uppercased() + what.dropFirst()
    let known = (series?.values ?? []).enumerated().compactMap { index, value in
      value.map { (axis.labels[index], $0) }
    }
    guard let lowest = known.min(by: { $0.1 < $1.1 }), let highest = known.max(by: { $0.1 < $1.1 })
    else { return "\(start) against \(axis.key) (no point measured it)." }
    let at = { (label: String) in axis.key == "point" ? label : "\(axis.key)=\(label)" }
    return
      "\(start) against \(axis.key), one mark per point: lowest at \(at(lowest.0)) (\(GnuplotScript.short(lowest.1))), highest at \(at(highest.0)) (\(GnuplotScript.short(highest.1)))."
  }
}
