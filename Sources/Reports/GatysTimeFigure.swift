import Experiments

/// The paper's comparison figure for one point (Ulyanov et al. 2016, §4: Gatys et al. need about
/// 500 times the generator's time to reach its loss): the Gatys run's loss against wall time,
/// log-log, with the generator's mean sample loss as a horizontal line, its time per sample
/// marked on that line, and the moment Gatys reached that loss. Gatys rows come from
/// `gatys/<optimizer>/store.h5` (`wall_seconds`, `total`; row 0, the starting image at time 0,
/// cannot sit on a log axis and is left out).
enum GatysTimeFigure {
  /// One figure per Gatys size of `point` (`summary.gatys`' sizes in order), named `name` at the
  /// first and `name-<size>` at the others, from each run's store; a store that cannot be read
  /// leaves its curve out with a warning.
  static func figures(
    point: PointResults, summary: PointSummary, name: String, warnings: inout [String]
  ) -> [Figure] {
    var sizes: [Int] = []
    for comparison in summary.gatys where !sizes.contains(comparison.size) {
      sizes.append(comparison.size)
    }
    var figures: [Figure] = []
    for (index, size) in sizes.enumerated() {
      var runs: [(optimizer: String, table: StoredTable)] = []
      for comparison in summary.gatys where comparison.size == size {
        let store = point.gatysStore(comparison)
        do {
          runs.append((comparison.optimizer, try StoredTable(file: store.path)))
        } catch {
          warnings.append("\(store.path): the Gatys curve is left out: \(error)")
        }
      }
      let figureName = index == 0 ? name : "\(name)-\(size)"
      if let figure = figure(summary: summary, size: size, runs: runs, name: figureName) {
        figures.append(figure)
      }
    }
    return figures
  }

  /// The figure of `summary`'s point at `size`, named `name`, with `runs` the Gatys tables of
  /// that size by optimiser; nil when there is nothing to draw.
  static func figure(
    summary: PointSummary, size: Int, runs: [(optimizer: String, table: StoredTable)],
    name: String
  ) -> Figure? {
    guard let comparison = summary.gatys.first(where: { $0.size == size }),
      let generator = summary.evaluations.first(where: { $0.size == size }),
      !runs.isEmpty
    else { return nil }
    var data = "# \(summary.point): Gatys loss against wall time at \(comparison.size)²\n"
    var plots: [String] = []
    var longest = generator.secondsPerSample
    var block = 0
    for run in runs {
      guard let seconds = run.table.column("wall_seconds"), let total = run.table.column("total")
      else { continue }
      if block > 0 { data += "\n\n" }
      data += "# block \(block): Gatys (\(run.optimizer))\n# wall_seconds total\n"
      for row in seconds.indices where seconds[row] > 0 {
        data +=
          "\(GnuplotScript.number(seconds[row])) \(GnuplotScript.number(total[row], positive: true))\n"
        longest = max(longest, seconds[row])
      }
      plots.append(
        "'\(name).dat' index \(block) using 1:2 with lines lw 2 title \(GnuplotScript.quoted("Gatys (\(run.optimizer))"))"
      )
      block += 1
    }
    guard block > 0 else { return nil }
    data += "\n\n# block \(block): the generator, seconds per sample and mean sample loss\n"
    data +=
      "\(GnuplotScript.number(generator.secondsPerSample)) \(GnuplotScript.number(generator.lossMean))\n"
    plots.append(
      "'\(name).dat' index \(block) using 1:2 with points pt 7 ps 2.5 lc rgb \"#d62728\" title \(GnuplotScript.quoted(String(format: "generator, %.3g ms per sample", generator.secondsPerSample * 1000)))"
    )
    block += 1
    data +=
      "\n\n# block \(block): where each Gatys run reached that loss, or its last loss at its cap\n"
    let runsHere = summary.gatys.filter { $0.size == comparison.size }
    for gatys in runsHere {
      let loss = gatys.reachedLoss ? gatys.targetLoss : gatys.finalLoss
      data += "\(GnuplotScript.number(gatys.seconds)) \(GnuplotScript.number(loss))\n"
    }
    let marker =
      runsHere.allSatisfy(\.reachedLoss)
      ? "Gatys reached that loss"
      : runsHere.allSatisfy { !$0.reachedLoss }
        ? "Gatys stopped at its cap" : "Gatys reached it, or stopped at its cap"
    plots.append(
      "'\(name).dat' index \(block) using 1:2 with points pt 9 ps 2.5 lc rgb \"#2ca02c\" title \(GnuplotScript.quoted(marker))"
    )
    plots.insert(
      "generator_loss with lines dt 2 lw 2 lc rgb \"#d62728\" title \"generator's mean loss\"",
      at: 0)
    let script =
      GnuplotScript.header(name, dataFile: "\(name).dat", height: 680)
        + """
        generator_loss = \(GnuplotScript.number(generator.lossMean))
        set title \(GnuplotScript.quoted("\(summary.point): Gatys against the generator at \(comparison.size)×\(comparison.size)"))
        set xlabel "wall time (s, log scale)"
        set ylabel "loss (log scale)"
        set logscale xy
        set format x "%g"
        set format y "%.0e"
        set xrange [\(GnuplotScript.number(generator.secondsPerSample / 3)):\(GnuplotScript.number(longest * 2))]
        set bmargin at screen 0.29
        set key at screen 0.5, 0.01 center bottom horizontal width 1
        plot \(plots.joined(separator: ", \\\n     "))

        """
    return Figure(
      name: name, data: .table(data), script: script,
      caption: caption(summary: summary, comparison: comparison, generator: generator),
      title: "Gatys loss against time, \(summary.point), \(size)²")
  }

  /// `Gatys (lbfgs) needed 1.24 s (9 iterations) to reach the generator's mean sample loss
  /// 3.29e-05; the generator takes 0.49 ms per sample, 2.53e+03 times less.`
  static func caption(
    summary: PointSummary, comparison: GatysComparison, generator: SizeEvaluation
  ) -> String {
    let opening =
      "The Gatys run's loss against wall time at \(comparison.size)×\(comparison.size) (log-log) for \(summary.point), the generator's mean sample loss as the dashed line and its time per sample as the red dot, where Gatys reached that loss (or its last loss at its cap) as the green triangle:"
    let milliseconds = String(format: "%.3g ms", generator.secondsPerSample * 1000)
    if comparison.reachedLoss {
      return opening
        + " Gatys (\(comparison.optimizer)) needed \(GnuplotScript.short(comparison.seconds)) s (\(comparison.iterations) iterations) to reach \(GnuplotScript.short(comparison.targetLoss)), the generator \(milliseconds) per sample, \(GnuplotScript.short(comparison.speedRatio)) times less."
    }
    return opening
      + " Gatys (\(comparison.optimizer)) did not reach \(GnuplotScript.short(comparison.targetLoss)) within its \(comparison.iterations) iterations (\(GnuplotScript.short(comparison.seconds)) s, last loss \(GnuplotScript.short(comparison.finalLoss))), so its time to that loss exceeds the generator's \(milliseconds) per sample by more than \(GnuplotScript.short(comparison.speedRatio)) times."
  }
}
