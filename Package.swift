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
    // The direct convolution's AVX-512 micro-kernels: compiled for that CPU, called by
    // TensorCore only after a run-time check (no other target may use them).
    .target(
      name: "DirectConvolutionKernels", exclude: ["README.md"],
      swiftSettings: [.unsafeFlags(["-target-cpu", "skylake-avx512"])]),
    .target(
      name: "TensorCore", dependencies: ["COpenBLAS", "CSystem", "DirectConvolutionKernels"]),
    .target(name: "Store", dependencies: ["TensorCore", "CHDF5", "CPNG", "CTurboJPEG", "CZlib"]),
    .target(name: "Autodiff", dependencies: ["TensorCore"]),
    .target(name: "NN", dependencies: ["Autodiff", "Store"]),
    .target(name: "Losses", dependencies: ["NN"]),
    .target(name: "Optimizers", dependencies: ["TensorCore"]),
    .target(name: "Experiments", dependencies: ["Losses", "Optimizers", "Store"]),
    .executableTarget(
      name: "harness",
      dependencies: [
        "Experiments", "Losses", "NN", "Store", "TensorCore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    // Appends metric rows to an HDF5 store until killed: the child process of StoreTests' kill -9 test.
    .executableTarget(name: "StoreCrashProbe", dependencies: ["Store"]),

    // Test support: naive reference kernels, gradient checks, fixture access.
    .target(name: "_TestSupport", dependencies: ["TensorCore", "Autodiff"]),
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
    .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "_TestSupport"]),
    .testTarget(name: "HarnessTests", dependencies: ["harness", "_TestSupport"]),
  ]
)
