import Foundation
import NN
import Runs
import Store
import TensorCore

/// The samples `harness generate` writes into its output folder:
///
///     DIR/sample-0000.png ...   one 8-bit PNG per sample (values clamped to [0, 1] for display)
///     DIR/samples.h5            /samples   [N, 3, H, W] float32, unclamped, as generated
///                               /noise/0 … /noise/K-1   [N, c_k, h_k, w_k] float32, coarsest
///                                          first (`--noise DIR/samples.h5:/noise` redraws them)
///                               /content   [1, 3, H, W] float32 (style models)
///                               @schema "texture-nets generator samples 1"
///                               @generator    the model's configuration (sampling statistics used)
///                               @sampling     the resolved SamplingConfiguration
///                               @measurement  SamplingMeasurement (seconds per batch and sample,
///                                             peak RSS and tensor memory)
///                               @provenance   this run's; @model_provenance the model's
///     DIR/sampling.json         the resolved SamplingConfiguration
///     DIR/measurement.json      the SamplingMeasurement
///     DIR/provenance.json       git commit, toolchain, CPU, BLAS kernel and threads, seed, argv
public enum SamplesFile {
  /// The `schema` attribute of `samples.h5`.
  public static let schema = "texture-nets generator samples 1"
  /// The name of the store in the output folder.
  public static let name = "samples.h5"

  /// The PNG name of sample `index`: `sample-0000.png`.
  public static func imageName(_ index: Int) -> String {
    String(format: "sample-%04d.png", index)
  }
}

extension Sampler {
  /// Writes the outputs of `draw()` into `folder` (see `SamplesFile`), each file atomically.
  public func write(
    samples: Tensor, noise: [Tensor], measurement: SamplingMeasurement, to folder: RunFolder,
    provenance: Provenance
  ) throws {
    try folder.writeHDF5Atomically(SamplesFile.name) { file in
      let root = try file.root
      try root.setAttribute("schema", .string(SamplesFile.schema))
      try root.setJSONAttribute("generator", generator.configuration)
      try root.setJSONAttribute("sampling", configuration)
      try root.setJSONAttribute("measurement", measurement)
      try root.setJSONAttribute("provenance", provenance)
      try root.setAttribute("model_provenance", .string(modelProvenanceJSON))
      try root.write(samples, to: "samples")
      for (k, level) in noise.enumerated() { try root.write(level, to: "noise/\(k)") }
      if let content { try root.write(content, to: "content") }
    }
    let count = samples.shape[0]
    for index in 0..<count {
      try writePNG(samples.batchSlice(index..<(index + 1)), path: folder.path(of: SamplesFile.imageName(index)))
    }
    try folder.writeJSON(configuration, to: "sampling.json")
    try folder.writeJSON(measurement, to: "measurement.json")
    try folder.writeJSON(provenance, to: "provenance.json")
  }
}
