import Foundation
import Gatys
import Suggestions

extension ExperimentLoader {
  /// Reports every key of `tree` that the schema does not know, with the closest known key at
  /// the same place. A section that decoded is compared with its own re-encoding (JSONDecoder
  /// ignores unknown keys, so they are exactly those the round trip drops); one that did not is
  /// compared with a complete reference experiment, skipping `kind`-tagged objects (a loss, an
  /// optimiser, a schedule), whose keys depend on their kind.
  mutating func reportUnknownKeys(in tree: JSONValue, sweep: Sweep) {
    for name in Experiment.sectionNames {
      guard let value = tree[name] else { continue }
      if let known = knownTrees[name] {
        walk(value, known: known, path: [.key(name)], strict: true, sweep: sweep)
      } else if let reference = Self.reference[name] {
        walk(value, known: reference, path: [.key(name)], strict: false, sweep: sweep)
      }
    }
  }

  /// Every section of a complete experiment in texture and in style mode, for the keys of a
  /// section that did not decode.
  static let reference: JSONValue = {
    let texture = (try? JSONValue.encoding(Preset.paper.experiment)) ?? .object([])
    let style = (try? JSONValue.encoding(Preset.textureNetsV1Style.experiment)) ?? .object([])
    return texture.merging(style)
  }()

  private mutating func walk(
    _ value: JSONValue, known: JSONValue, path: [KeyPathComponent], strict: Bool, sweep: Sweep
  ) {
    switch (value, known) {
    case (.object(let members), .object):
      if !strict && value["kind"] != nil { return }
      for (key, member) in members {
        let childPath = path + [.key(key)]
        guard let knownMember = known[key] else {
          if case .null = member { continue }
          reportUnknown(childPath, candidates: known.keys, sweep: sweep)
          continue
        }
        walk(member, known: knownMember, path: childPath, strict: strict, sweep: sweep)
      }
    case (.array(let values), .array(let knownValues)):
      for (index, element) in values.enumerated() {
        let knownElement =
          strict
          ? (knownValues.indices.contains(index) ? knownValues[index] : nil) : knownValues.first
        if let knownElement {
          walk(
            element, known: knownElement, path: path + [.index(index)], strict: strict, sweep: sweep
          )
        }
      }
    default:
      return
    }
  }

  private mutating func reportUnknown(
    _ path: [KeyPathComponent], candidates: [String], sweep: Sweep
  ) {
    guard case .key(let key)? = path.last else { return }
    let hint = didYouMean(closestName(to: key, among: candidates))
    let dotted = path.dotted
    if sweep.grid.contains(where: { $0.key == dotted }) {
      problem("sweep.grid.\(dotted)", "not a key of the experiment" + hint)
    } else if sweep.zip.contains(where: { $0.key == dotted }) {
      problem("sweep.zip.\(dotted)", "not a key of the experiment" + hint)
    } else {
      problem(dotted, "unknown key" + hint)
    }
  }

  /// Makes every path of `experiment` absolute (relative paths are relative to the experiment
  /// file; `$TEXTURE_NETS_DATA/` is the data folder) and reports those that do not exist.
  mutating func resolvePaths(_ experiment: inout Experiment) {
    let directory = fileURL.deletingLastPathComponent()
    experiment.task.styles = experiment.task.styles.enumerated().map { index, path in
      resolve(path, key: "task.styles[\(index)]", in: directory)
    }
    if var content = experiment.task.content {
      content.paths = content.paths.enumerated().map { index, path in
        resolve(path, key: "task.content.paths[\(index)]", in: directory)
      }
      experiment.task.content = content
    }
    if let image = experiment.task.evaluationContent {
      experiment.task.evaluationContent = resolve(
        image, key: "task.evaluationContent", in: directory)
    }
    experiment.objective.weights = resolve(
      experiment.objective.weights, key: "objective.weights", in: directory)
    if case .image(let path) = experiment.gatys.initialization {
      experiment.gatys.initialization = .image(
        resolve(path, key: "gatys.initialization.image", in: directory))
    }
  }

  /// The data folder: `$TEXTURE_NETS_DATA`, else `data` in the current directory.
  var dataFolder: URL {
    if let folder = environment["TEXTURE_NETS_DATA"], !folder.isEmpty {
      return URL(fileURLWithPath: folder, relativeTo: currentDirectory).standardizedFileURL
    }
    return currentDirectory.appendingPathComponent("data").standardizedFileURL
  }

  /// `path` made absolute, its file (the part before `:/` of `FILE.h5:/dataset`) checked.
  private mutating func resolve(_ path: String, key: String, in directory: URL) -> String {
    var file = path
    var dataset = ""
    for suffix in [".h5:", ".hdf5:"] {
      if let range = path.range(of: suffix) {
        file = String(path[..<range.upperBound].dropLast())
        dataset = String(path[range.upperBound...])
        break
      }
    }
    let prefix = Preset.dataFolder + "/"
    let url: URL
    if file.hasPrefix(prefix) {
      url = dataFolder.appendingPathComponent(String(file.dropFirst(prefix.count)))
    } else {
      url = URL(fileURLWithPath: file, relativeTo: directory)
    }
    let resolved = url.standardizedFileURL.path
    if !FileManager.default.fileExists(atPath: resolved) {
      let hint =
        file.hasPrefix(prefix)
        ? " (the data folder: run Scripts/setup, or set TEXTURE_NETS_DATA)"
        : " (relative paths are relative to the experiment file)"
      problem(key, "no such file: \(resolved)\(hint)")
    }
    return dataset.isEmpty ? resolved : resolved + ":" + dataset
  }
}
