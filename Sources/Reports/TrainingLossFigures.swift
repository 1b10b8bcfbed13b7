/// The training-loss figures: every loss term of one point against iteration (log scale), and
/// the total of every point overlaid. Read from `training/store.h5` (`/metrics/iterations`:
/// row i is iteration i + 1, the batch's loss before its update; the terms are unweighted, the
/// total is Σ weight · term).
enum TrainingLossFigures {
  /// The terms and the total of `point`'s training against iteration.
  static func terms(point: String, table: StoredTable) -> Figure? {
    let terms = table.termColumns
    guard let iterations = table.column("iteration"), let total = table.column("total"),
      !iterations.isEmpty
    else { return nil }
    let name = "training-\(point)"
    let labels = termLabels(terms)
    let prefix = sharedTermPrefix(terms)
    let shared = prefix.isEmpty ? "" : " (\(prefix))"
    var data = "# \(point): training loss against iteration (terms unweighted; total weighted)\n"
    data += "# iteration " + terms.joined(separator: " ") + " total\n"
    let columns = terms.compactMap(table.column)
    for row in iterations.indices {
      let values = [iterations[row]] + columns.map { $0[row] } + [total[row]]
      data +=
        values.enumerated().map { GnuplotScript.number($1, positive: $0 > 0) }
        .joined(separator: " ") + "\n"
    }
    var plots: [String] = []
    for (index, label) in labels.enumerated() {
      plots.append(
        "'\(name).dat' using 1:\(index + 2) with lines lw 2 title \(GnuplotScript.quoted(label))")
    }
    plots.append(
      "'\(name).dat' using 1:\(terms.count + 2) with lines lw 3 lc rgb \"black\" title \"total (weighted)\""
    )
    let script =
      GnuplotScript.header(name, dataFile: "\(name).dat")
        + """
        set title \(GnuplotScript.quoted("Training loss of \(point), per term" + shared))
        set xlabel "iteration"
        set ylabel "loss (log scale)"
        set logscale y
        set format y "%.0e"
        set key top right
        plot \(plots.joined(separator: ", \\\n     "))

        """
    let first = total.first { $0.isFinite } ?? .nan
    let last = total.last { $0.isFinite } ?? .nan
    let caption =
      "Each loss term of \(point)'s training (unweighted, one per VGG layer) and the weighted total against iteration, log scale: the total fell from \(GnuplotScript.short(first)) at iteration \(Int(iterations.first ?? 1)) to \(GnuplotScript.short(last)) at iteration \(Int(iterations.last ?? 0))."
    return Figure(
      name: name, data: .table(data), script: script, caption: caption,
      title: "training loss of \(point) per term")
  }

  /// The total training loss of every point in `tables` (point name and table) overlaid.
  static func totals(_ tables: [(point: String, table: StoredTable)]) -> Figure? {
    let series = tables.compactMap { entry -> (String, [Double], [Double])? in
      guard let iterations = entry.table.column("iteration"),
        let total = entry.table.column("total"), !iterations.isEmpty
      else { return nil }
      return (entry.point, iterations, total)
    }
    guard series.count >= 2 else { return nil }
    let name = "training-total"
    var data = "# total training loss against iteration, one block per point (gnuplot index)\n"
    var plots: [String] = []
    for (index, (point, iterations, total)) in series.enumerated() {
      if index > 0 { data += "\n\n" }
      data += "# \(point)\n# iteration total\n"
      for row in iterations.indices {
        data +=
          "\(GnuplotScript.number(iterations[row])) \(GnuplotScript.number(total[row], positive: true))\n"
      }
      plots.append(
        "'\(name).dat' index \(index) using 1:2 with lines lw 2 title \(GnuplotScript.quoted(point))"
      )
    }
    let script =
      GnuplotScript.header(name, dataFile: "\(name).dat")
        + """
        set title "Total training loss of every point"
        set xlabel "iteration"
        set ylabel "total loss (log scale)"
        set logscale y
        set format y "%.0e"
        set key top right
        plot \(plots.joined(separator: ", \\\n     "))

        """
    let finals = series.map { ($0.0, $0.2.last { $0.isFinite } ?? .infinity) }
    let best = finals.min { $0.1 < $1.1 }!
    let worst = finals.max { $0.1 < $1.1 }!
    let caption =
      "The total training loss of every point against iteration, log scale: the last batch's loss is lowest for \(best.0) (\(GnuplotScript.short(best.1))) and highest for \(worst.0) (\(GnuplotScript.short(worst.1)))."
    return Figure(
      name: name, data: .table(data), script: script, caption: caption,
      title: "total training loss of every point")
  }

  /// The name components every term shares (`style/gram` for Gram style terms), or "".
  static func sharedTermPrefix(_ terms: [String]) -> String {
    let parts = terms.map { $0.split(separator: "/").map(String.init) }
    guard terms.count > 1, let depth = parts.map(\.count).min() else { return "" }
    var shared = 0
    while shared < depth - 1, Set(parts.map { $0[shared] }).count == 1 { shared += 1 }
    return parts[0].prefix(shared).joined(separator: "/")
  }

  /// Legend labels for term columns: the name without the parts every term shares
  /// (`style/gram/relu1_1`, `style/gram/relu2_1` give `relu1_1`, `relu2_1`).
  static func termLabels(_ terms: [String]) -> [String] {
    let shared = sharedTermPrefix(terms).split(separator: "/").count
    guard shared > 0 || terms.count > 1 else { return terms }
    return terms.map { $0.split(separator: "/").dropFirst(shared).joined(separator: " ") }
  }
}
