import Foundation
import _TestSupport

@testable import Experiments

/// A folder with a fake data folder (the files experiment paths name; loading only checks that
/// they exist) and experiment files written by the test.
final class ExperimentFixture {
  let directory: TemporaryDirectory
  var data: String { directory.file("data") }
  var environment: [String: String] { ["TEXTURE_NETS_DATA": data] }

  init(_ label: String = #function) throws {
    directory = try TemporaryDirectory(label)
    let manager = FileManager.default
    for folder in ["data/textures", "data/content", "experiments"] {
      try manager.createDirectory(atPath: directory.file(folder), withIntermediateDirectories: true)
    }
    for file in ["data/textures/brick.png", "data/content/chelsea.png", "data/vgg19_normalised.h5"]
    {
      _ = manager.createFile(atPath: directory.file(file), contents: Data())
    }
  }

  /// Writes `text` to `experiments/NAME` and returns its path.
  func write(_ text: String, name: String = "test.json") throws -> String {
    try directory.writeText(text, to: "experiments/\(name)")
  }

  /// Loads `text` as an experiment file.
  func load(_ text: String, name: String = "test.json") throws -> ExperimentFile {
    try ExperimentFile.load(
      try write(text, name: name), environment: environment, currentDirectory: directory.url)
  }

  /// The problem lines of loading `text` (empty when it loads), with the file's path shortened
  /// to its name.
  func problems(_ text: String, name: String = "test.json") throws -> [String] {
    let path = try write(text, name: name)
    do {
      _ = try ExperimentFile.load(path, environment: environment, currentDirectory: directory.url)
      return []
    } catch {
      return error.problems.map { $0.description.replacingOccurrences(of: path, with: name) }
    }
  }
}
