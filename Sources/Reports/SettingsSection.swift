import Experiments
import Foundation
import Runs

/// The report's settings section: the experiment file, its preset and every deviation from it,
/// the sweep, the loss (with its normalisation), and the machine facts of every point's
/// provenance (CPU, threads, BLAS kernel, toolchain, git commit), each value with the points it
/// holds for when the points disagree.
enum SettingsSection {
  /// The section's markdown (with the experiment's notes unless `notes` is false).
  static func markdown(_ results: ResultsFolder, notes: Bool = true) -> String {
    var text = "## Settings\n\n"
    let first = results.points.first { $0.experiment != nil }
    if let source = results.source {
      text += "- Experiment file: `\(source.path)`\n"
      text +=
        "- Preset: "
        + (source.preset.map { "`\($0)` (`harness presets \($0)` prints it in full)" }
          ?? "none (a complete file)") + "\n"
      if !source.sweep.axes.isEmpty {
        text += "- Sweep: " + sweepText(source.sweep) + " (\(source.pointNames.count) points)\n"
      }
      if notes, let notes = source.notes { text += "- Notes: \(notes)\n" }
      text +=
        "\nDeviations from the preset (every setting the file gives besides `extends`, `notes` and `sweep`):\n\n"
      text +=
        source.deviations.isEmpty
        ? "none\n"
        : MarkdownTable(
          header: ["setting", "value"],
          rows: source.deviations.map { ["`\($0.key)`", "`\($0.value)`"] }
        ).text
    } else {
      text +=
        "- Experiment file: not found (looked for the `.json` argument of the points' command lines and `experiments/\(results.url.lastPathComponent).json`; name it with `--experiment FILE`), so the points never started cannot be listed.\n"
      if let experiment = first?.experiment {
        text += "- Preset: " + (experiment.extends.map { "`\($0)`" } ?? "none") + "\n"
        text +=
          "\nDeviations from the preset, computed from `\(first!.name)/point.json` (resolved paths and swept values included):\n\n"
        let rows = derivedDeviations(experiment).map { ["`\($0.key)`", "`\($0.value)`"] }
        text +=
          rows.isEmpty ? "none\n" : MarkdownTable(header: ["setting", "value"], rows: rows).text
      }
    }
    if let experiment = first?.experiment { text += "\n" + objectiveText(experiment) }
    text += "\n" + machineTable(results.points)
    return text
  }

  /// `grid generator.levels = 1, 2, 3; zip ...`.
  static func sweepText(_ sweep: Sweep) -> String {
    var parts: [String] = []
    for (name, axes) in [("grid", sweep.grid), ("zip", sweep.zip)] where !axes.isEmpty {
      parts.append(
        name + " "
          + axes.map { "`\($0.key)` = " + $0.values.map(\.text).joined(separator: ", ") }
          .joined(separator: "; "))
    }
    return parts.joined(separator: "; ")
  }

  /// The settings of `experiment` that differ from its preset's (leaves, dotted keys), notes and
  /// `extends` left out.
  static func derivedDeviations(_ experiment: Experiment) -> [(key: String, value: String)] {
    guard let name = experiment.extends, let preset = Preset.named(name),
      let mine = try? JSONValue.encoding(experiment),
      let theirs = try? JSONValue.encoding(preset.experiment)
    else { return [] }
    let base = Dictionary(
      ExperimentSource.leaves(theirs).map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    return ExperimentSource.leaves(mine.removing("notes").removing("extends")).filter {
      base[$0.key] != $0.value
    }
  }

  /// The loss both methods minimise: each term's formulation (its normalisation), layers and
  /// weight, and the descriptor's padding, pooling and weights.
  static func objectiveText(_ experiment: Experiment) -> String {
    let objective = experiment.objective
    func term(_ name: String, _ settings: FeatureTermSettings?) -> String {
      guard let settings else { return "- \(name) term: none\n" }
      let loss = sortedJSON(settings.loss) ?? settings.loss.kind
      let layers = settings.layers.map(\.rawValue).joined(separator: ", ")
      return
        "- \(name) term: `\(loss)` on \(layers), weight \(settings.weight)\(settings.normalizeGradients ? ", per-layer L1 gradient normalisation" : "")\n"
    }
    return
      "Objective (the loss training and Gatys both minimise; the Gram normalisation is the loss's `normalization`):\n\n"
      + term("Style", objective.style) + term("Content", objective.content)
      + "- Total variation weight \(objective.totalVariationWeight); VGG-19 padding `\(objective.padding.rawValue)`, pooling `\(objective.pooling.rawValue)`, weights `\(objective.weights)`\n"
  }

  /// `value` as JSON text with its keys sorted (`{"kind": "gram", "normalization": "chw"}`).
  static func sortedJSON<Value: Encodable>(_ value: Value) -> String? {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    guard let data = try? encoder.encode(value) else { return nil }
    return (try? JSONValue(parsing: data))?.text
  }

  /// One row per machine fact; several values are each followed by the points they hold for.
  static func machineTable(_ points: [PointResults]) -> String {
    let facts: [(String, (Provenance) -> String)] = [
      (
        "CPU",
        {
          "\($0.machine.cpuModel) (\($0.machine.cpuIdentity)), \($0.machine.logicalCPUs) logical CPUs"
        }
      ),
      ("threads", { "\($0.machine.threads)" }),
      ("BLAS kernel", { "\($0.machine.blasKernel) (chosen by \($0.machine.blasKernelSource))" }),
      ("OpenBLAS build", { $0.machine.blasConfiguration }),
      ("toolchain", { $0.toolchain }),
      ("harness", { $0.harnessVersion }),
      ("git commit", { $0.gitCommit + ($0.gitDirty == true ? " (with uncommitted changes)" : "") }),
    ]
    let known = points.compactMap { point in point.provenance.map { (point.name, $0) } }
    guard !known.isEmpty else { return "Machine: no point has a readable provenance.json.\n" }
    var rows: [[String]] = []
    for (fact, value) in facts {
      var values: [(String, [String])] = []
      for (name, provenance) in known {
        let text = value(provenance)
        if let index = values.firstIndex(where: { $0.0 == text }) {
          values[index].1.append(name)
        } else {
          values.append((text, [name]))
        }
      }
      let cell =
        values.count == 1
        ? values[0].0
        : values.map { "\($0.0) (\($0.1.joined(separator: ", ")))" }.joined(separator: "; ")
      rows.append([fact, cell])
    }
    let started = known.map(\.1.started).min() ?? ""
    let finished = known.compactMap(\.1.finished).max() ?? "not finished"
    rows.append(["run", "\(started) to \(finished) (UTC)"])
    return "Machine and code (from each point's `provenance.json`):\n\n"
      + MarkdownTable(header: ["", "value"], rows: rows).text
  }
}
