import Foundation
import Testing

@testable import Store

/// The checkpoint fixtures in `Fixtures/`, written by Scripts/make_checkpoint_fixtures.py.
enum CheckpointFixture {
  /// The tiny checkpoints that hold the same state dict (the legacy one also has `view`).
  static let checkpoints = ["legacy_tiny.pt", "zip_tiny.pt", "zip_protocol4.pt", "zip_deflated.pt"]

  /// The path of fixture `name` in the test bundle.
  static func path(_ name: String) throws -> String {
    let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")
    return try #require(url, "fixture \(name) is missing from the test bundle").path
  }

  /// The bytes of fixture `name`.
  static func bytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: try path(name))))
  }

  /// The tensor `name` of `checkpoint` as float32 values.
  static func floats(_ checkpoint: TorchCheckpoint, _ name: String) throws -> [Float] {
    let tensor = try #require(
      checkpoint.tensor(named: name), "no tensor \(name) in \(checkpoint.file)")
    return try tensor.floats(name: name, file: checkpoint.file)
  }
}

/// Where the real weights live when Scripts/setup has run: `$TEXTURE_NETS_DATA` or `<repo>/data`.
enum RealWeights {
  /// The data folder the tests look in.
  static var dataFolder: String {
    if let folder = ProcessInfo.processInfo.environment["TEXTURE_NETS_DATA"], !folder.isEmpty {
      return folder
    }
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    return repository.appendingPathComponent("data").path
  }

  /// `vgg_normalised.pth` in the data folder, if present.
  static var checkpointPath: String? {
    let path = (dataFolder as NSString).appendingPathComponent("vgg_normalised.pth")
    return FileManager.default.fileExists(atPath: path) ? path : nil
  }

  /// The SHA-256 documented in ../shared/reference/README.md.
  static let sha256 = "804ca2835ecf7539f0cd2a7ac3c18ce81e6f8468969ae7117ac0c148d286bb4a"
}
