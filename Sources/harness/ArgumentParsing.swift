import ArgumentParser
import Foundation
import Gatys
import ImageArguments
import Losses
import NN
import Optimizers

// Command-line parsing shared by the subcommands.

/// `$TEXTURE_NETS_DATA/vgg19_normalised.h5`, else `data/vgg19_normalised.h5` (where Scripts/setup
/// writes the converted weights).
var defaultWeightsPath: String {
  if let folder = ProcessInfo.processInfo.environment["TEXTURE_NETS_DATA"], !folder.isEmpty {
    return folder + "/vgg19_normalised.h5"
  }
  return "data/vgg19_normalised.h5"
}

/// The notebook folder `harness run` and `harness report` write to when `--notebooks` is not
/// given: `$TEXTURE_NETS_NOTEBOOKS` if set and not empty, else `notebooks-md` in the current
/// folder (the tests point the variable at a temporary folder).
func notebooksFolder(_ option: String?) -> URL {
  if let option { return URL(fileURLWithPath: option) }
  if let folder = ProcessInfo.processInfo.environment["TEXTURE_NETS_NOTEBOOKS"], !folder.isEmpty {
    return URL(fileURLWithPath: folder)
  }
  return URL(fileURLWithPath: "notebooks-md")
}

/// Comma-separated layer names (duplicates dropped); an unknown one is a `ValidationError` with
/// a did-you-mean.
func layerList(_ text: String, option: String) throws -> [VGGLayer] {
  var result: [VGGLayer] = []
  for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
    do {
      let layer = try VGGLayer(named: name)
      if !result.contains(layer) { result.append(layer) }
    } catch {
      throw ValidationError("\(option): \(error)")
    }
  }
  if result.isEmpty { throw ValidationError("\(option): no layer given") }
  return result
}

/// Comma-separated numbers, or a `ValidationError` naming the option.
func numberList(_ text: String, option: String) throws -> [Float] {
  try text.split(separator: ",").map { part in
    guard let value = Float(part.trimmingCharacters(in: .whitespaces)), value.isFinite else {
      throw ValidationError("\(option): '\(part)' is not a number")
    }
    return value
  }
}

/// Writes a line to standard error.
func printError(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}

extension VGG19.Padding: ExpressibleByArgument {}
extension VGG19.Pooling: ExpressibleByArgument {}
extension GramLoss.Normalization: ExpressibleByArgument {}
extension ImageResizing.Mode: ExpressibleByArgument {}
extension NoiseDistribution: ExpressibleByArgument {}
extension OptimizerConfiguration.Kind: ExpressibleByArgument {}
