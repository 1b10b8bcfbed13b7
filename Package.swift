// swift-tools-version: 6.0
// texture-nets harness: Texture Networks (Ulyanov et al., ICML 2016) against Gatys et al. optimisation.
// Targets depend only downward; each folder under Sources/ has a README.md saying what it owns.
import PackageDescription

let package = Package(
  name: "texture-nets-harness",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "harness", targets: ["harness"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // C boundary: no Swift API, no C types leak above `TensorCore` and `Store`.
    .systemLibrary(
      name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
    .systemLibrary(
      name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
    .systemLibrary(
      name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .target(
      name: "CPNG",
      linkerSettings: [.linkedLibrary("png16")]),
    .target(
      name: "COpenBLAS",
      linkerSettings: [.linkedLibrary("dl")]),

    // Swift layers, lowest first.
    .target(name: "CSystem"),
    .target(name: "TensorCore", dependencies: ["COpenBLAS", "CSystem"]),
    .target(name: "Store", dependencies: ["TensorCore", "CHDF5", "CPNG", "CTurboJPEG", "CZlib"]),
    .target(name: "Autodiff", dependencies: ["TensorCore"]),
    .target(name: "NN", dependencies: ["Autodiff", "Store"]),
    .target(name: "Losses", dependencies: ["NN"]),
    .target(name: "Optimizers", dependencies: ["TensorCore"]),
    // What every long command shares: the run folder, atomic files, provenance, progress, signals.
    .target(name: "Runs", dependencies: ["Store", "TensorCore"], exclude: ["README.md"]),
    // Image arguments (PNG/JPEG or FILE.h5:/dataset) and their resizing; NN only for the
    // did-you-mean (`closestName`) until it moves below.
    .target(name: "ImageArguments", dependencies: ["NN", "Store", "TensorCore"], exclude: ["README.md"]),
    .target(
      name: "Gatys", dependencies: ["ImageArguments", "Losses", "NN", "Optimizers", "Runs", "Store"],
      exclude: ["README.md"]),
    .target(
      name: "Measurements", dependencies: ["Gatys", "ImageArguments", "Losses", "NN", "Runs", "Store"],
      exclude: ["README.md"]),
    .executableTarget(
      name: "harness",
      dependencies: [
        "Gatys", "ImageArguments", "Losses", "Measurements", "NN", "Optimizers", "Runs", "Store",
        "TensorCore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // Appends metric rows to an HDF5 store until killed: the child process of StoreTests' kill -9 test.
    .executableTarget(name: "StoreCrashProbe", dependencies: ["Store"]),

    // Test support: naive reference kernels, gradient checks, fixture access.
    .target(name: "_TestSupport", dependencies: ["TensorCore", "Autodiff", "NN", "Store"]),
    .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "_TestSupport"]),
    .testTarget(
      name: "StoreTests", dependencies: ["Store", "StoreCrashProbe", "_TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "_TestSupport"]),
    .testTarget(name: "NNTests", dependencies: ["NN", "_TestSupport"]),
    .testTarget(name: "LossesTests", dependencies: ["Losses", "_TestSupport"]),
    .testTarget(
      name: "OptimizersTests", dependencies: ["Optimizers", "_TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "RunsTests", dependencies: ["Runs", "_TestSupport"]),
    .testTarget(name: "ImageArgumentsTests", dependencies: ["ImageArguments", "_TestSupport"]),
    .testTarget(name: "GatysTests", dependencies: ["Gatys", "_TestSupport"]),
    .testTarget(name: "MeasurementsTests", dependencies: ["Measurements", "_TestSupport"]),
    .testTarget(name: "HarnessTests", dependencies: ["harness", "_TestSupport"]),
  ]
)
