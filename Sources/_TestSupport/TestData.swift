import Foundation

/// Where tests find data that is not in the repository: the weights Scripts/setup makes and the
/// shared PyTorch fixtures. Tests that need them are skipped with a message naming what is
/// missing, except when `TEXTURE_NETS_REQUIRE_DATA=1` (set by `.ci/run`): then they run and fail.
public enum TestData {
  /// The repository root (this file is `Sources/_TestSupport/TestData.swift`).
  public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The data folder: `$TEXTURE_NETS_DATA`, else `<repo>/data`.
  public static var dataFolder: URL {
    if let folder = ProcessInfo.processInfo.environment["TEXTURE_NETS_DATA"], !folder.isEmpty {
      return URL(fileURLWithPath: folder)
    }
    return repositoryRoot.appendingPathComponent("data")
  }

  /// The converted normalised VGG-19 weights (`Scripts/setup` writes them).
  public static var weightsPath: String {
    dataFolder.appendingPathComponent("vgg19_normalised.h5").path
  }

  /// The shared folder holding `reference/fixtures`: `$TEXTURE_NETS_SHARED`, else the first
  /// `shared` folder with a `reference` inside, beside the repository or beside one of its
  /// ancestors (`../shared` for the usual checkout).
  public static var sharedFolder: URL {
    if let folder = ProcessInfo.processInfo.environment["TEXTURE_NETS_SHARED"], !folder.isEmpty {
      return URL(fileURLWithPath: folder)
    }
    var directory = repositoryRoot
    while directory.path != "/" {
      let candidate = directory.deletingLastPathComponent().appendingPathComponent("shared")
      if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("reference").path) {
        return candidate
      }
      directory = directory.deletingLastPathComponent()
    }
    return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
  }

  /// The VGG-19 golden values of the PyTorch reference.
  public static var vggFixturePath: String {
    sharedFolder.appendingPathComponent("reference/fixtures/vgg19_reference.h5").path
  }

  /// The Gatys L-BFGS reference runs.
  public static var gatysFixturePath: String {
    sharedFolder.appendingPathComponent("reference/fixtures/gatys_reference.h5").path
  }

  /// The golden gradients of the generator (`make_generator_gradients.py`).
  public static var generatorGradientsFixturePath: String {
    sharedFolder.appendingPathComponent("reference/fixtures/generator_gradients.h5").path
  }

  /// Whether missing data must fail tests instead of skipping them.
  public static var required: Bool {
    ProcessInfo.processInfo.environment["TEXTURE_NETS_REQUIRE_DATA"] == "1"
  }

  /// True when every path exists, or when data is required (the test then fails on the missing
  /// file instead of being skipped).
  public static func available(_ paths: String...) -> Bool {
    required || paths.allSatisfy { FileManager.default.fileExists(atPath: $0) }
  }

  /// The reason shown when a test is skipped for lack of `paths`.
  public static func skipReason(_ what: String) -> String {
    "skipped: \(what) absent (run Scripts/setup; weights in \(dataFolder.path), fixtures in \(sharedFolder.path)/reference/fixtures)"
  }
}
