import Experiments
import Foundation
import ImageArguments
import NN
import Store

/// The harness's parsers as fuzz targets: each feeds one input to one parser through its public
/// API and ignores the error it throws (a thrown error is the parser doing its job; a crash, a
/// hang, a leak or an out-of-memory is a finding). Used by the libFuzzer binary (`HarnessFuzz`,
/// Scripts/fuzz) and by `FuzzCorpusTests`, which runs every seed and regression input.
public enum FuzzTarget: String, CaseIterable, Sendable {
  /// PNG decoding (libpng through Sources/CPNG), through `readImage`.
  case png
  /// JPEG decoding (TurboJPEG), through `readImage`.
  case jpeg
  /// The pickle machine: a legacy `torch.save` file (magic, protocol, system info, the object
  /// pickle, the storage keys and bytes) through `TorchCheckpoint(bytes:file:)`.
  case pickle
  /// The zip reader: a `torch.save` zip archive (or a wheel holding one) through
  /// `TorchCheckpoint(bytes:file:)`: central directory, entries, inflate, CRC, then the pickle.
  case zip
  /// HDF5 files: image arguments `FILE.h5:/DATASET`, a generator model store, a VGG-19 weights
  /// store.
  case hdf5
  /// Experiment files: the JSON parser, then the loader (extends, sweeps, decoding, checks).
  case experiment

  /// The file the parsers that read files are given: in memory-backed /dev/shm when there is
  /// one, unique to this process.
  static let scratch: String = {
    let memory = FileManager.default.fileExists(atPath: "/dev/shm")
    let folder = memory ? "/dev/shm" : NSTemporaryDirectory()
    return "\(folder)/harness-fuzz-\(getpid())"
  }()

  /// Feeds `bytes` to the target's parser (the scratch file, if any, is removed after).
  public func run(_ bytes: [UInt8]) {
    defer {
      for suffix in [".png", ".jpg", ".h5", ".json"] { unlink(Self.scratch + suffix) }
    }
    switch self {
    case .png, .jpeg:
      let path = Self.scratch + (self == .png ? ".png" : ".jpg")
      guard Self.write(bytes, to: path) else { return }
      _ = try? readImage(path: path)
    case .pickle, .zip:
      _ = try? TorchCheckpoint(bytes: bytes, file: "input.pth")
    case .hdf5:
      let path = Self.scratch + ".h5"
      guard Self.write(bytes, to: path) else { return }
      for dataset in ["image", "result/image", "inputs/style_0", "samples"] {
        if let argument = try? ImageArgument(parsing: "\(path):/\(dataset)") {
          _ = try? argument.load()
        }
      }
      _ = try? GeneratorModelFile.read(path)
      _ = try? VGG19.load(from: path, deepestLayer: .relu1_1)
    case .experiment:
      _ = try? JSONValue(parsing: Data(bytes))
      let path = Self.scratch + ".json"
      guard Self.write(bytes, to: path) else { return }
      _ = try? ExperimentFile.load(path, environment: ["TEXTURE_NETS_DATA": "/nonexistent-data"])
    }
  }

  private static func write(_ bytes: [UInt8], to path: String) -> Bool {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
  }
}
