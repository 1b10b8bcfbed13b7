import Foundation
import ImageArguments
import Runs
import TensorCore

extension GatysRun {
  /// A new run of `configuration`, ready to `run()`: the configuration is checked (every problem
  /// at once), its images are loaded (image arguments: PNG/JPEG or `FILE.h5:/dataset`) and brought
  /// to their working sizes, and VGG-19 is loaded once, up to the deepest layer read.
  ///
  /// `outputDirectory` nil means `results/gatys/<UTC time>`; it is created when the run starts
  /// (it must be new or empty). `warn` receives each image's range warning (values outside
  /// [0, 1]).
  ///
  /// - Throws: `GatysError.invalidConfiguration`, `ImageArgumentError` naming the file, or the
  ///   weights' loading error.
  public static func prepare(
    _ configuration: GatysConfiguration, outputDirectory: URL? = nil, provenance: Provenance,
    warn: (String) -> Void = { _ in }
  ) throws -> GatysRun {
    let problems = configuration.problems()
    guard problems.isEmpty else { throw GatysError.invalidConfiguration(problems) }
    func load(_ text: String) throws -> Tensor {
      let loaded = try ImageArgument(parsing: text).load()
      if let warning = loaded.rangeWarning { warn(warning) }
      return loaded.image
    }
    let styles = try configuration.styles.map(load)
    let content = try configuration.content.map(load)
    var initialImage: Tensor?
    if case .image(let path) = configuration.initialization { initialImage = try load(path) }
    let inputs = GatysInputs.prepare(
      styles: styles, content: content, initialImage: initialImage, configuration: configuration)
    return GatysRun(
      configuration: configuration, inputs: inputs, network: try configuration.loadNetwork(),
      outputDirectory: outputDirectory ?? GatysConfiguration.Defaults.outputDirectory(),
      provenance: provenance)
  }
}
