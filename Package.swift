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
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
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
    // Each folder's README.md is documentation, not a resource: excluded so builds stay silent.
    .target(name: "CSystem"),
    .target(name: "Suggestions", exclude: ["README.md"]),
    // The direct convolution's AVX-512 micro-kernels: compiled for that CPU, called by
    // TensorCore only after a run-time check (no other target may use them).
    .target(
      name: "DirectConvolutionKernels", exclude: ["README.md"],
      swiftSettings: [.unsafeFlags(["-target-cpu", "skylake-avx512"])]),
    // The Winograd convolution's AVX-512 transforms, on the same terms.
    .target(
      name: "WinogradKernels", exclude: ["README.md"],
      swiftSettings: [.unsafeFlags(["-target-cpu", "skylake-avx512"])]),
    .target(
      name: "TensorCore",
      dependencies: ["COpenBLAS", "CSystem", "DirectConvolutionKernels", "WinogradKernels"],
      exclude: ["README.md"]),
    .target(
      name: "Store", dependencies: ["TensorCore", "CHDF5", "CPNG", "CTurboJPEG", "CZlib"],
      exclude: ["README.md"]),
    .target(name: "Autodiff", dependencies: ["TensorCore"], exclude: ["README.md"]),
    .target(
      name: "NN", dependencies: ["Autodiff", "Store", "Suggestions"], exclude: ["README.md"]),
    .target(name: "Losses", dependencies: ["NN", "Suggestions"], exclude: ["README.md"]),
    .target(
      name: "Optimizers", dependencies: ["TensorCore", "Suggestions"], exclude: ["README.md"]),
    // What every long command shares: the run folder, atomic files, provenance, progress, signals.
    .target(name: "Runs", dependencies: ["CSystem", "Store", "TensorCore"], exclude: ["README.md"]),
    // Image arguments (PNG/JPEG or FILE.h5:/dataset) and the one resizing rule.
    .target(
      name: "ImageArguments", dependencies: ["Store", "Suggestions", "TensorCore"],
      exclude: ["README.md"]),
    // The generator's sampler (harness generate) and its trainer (harness train).
    .target(
      name: "Training",
      dependencies: ["ImageArguments", "Losses", "NN", "Optimizers", "Runs", "Store", "TensorCore"],
      exclude: ["README.md"]),
    .target(
      name: "Gatys", dependencies: ["ImageArguments", "Losses", "NN", "Optimizers", "Runs", "Store"],
      exclude: ["README.md"]),
    .target(
      name: "Measurements",
      dependencies: ["Gatys", "ImageArguments", "Losses", "NN", "Runs", "Store", "Training"],
      exclude: ["README.md"]),
    // The experiment schema, presets and sweeps, and the runner comparing a trained generator
    // with Gatys on the same objective (each measurement in a fresh
    // harness process, started with Foundation.Process).
    .target(
      name: "Experiments",
      dependencies: [
        "Gatys", "ImageArguments", "Losses", "NN", "Optimizers", "Runs", "Store", "Suggestions",
        "TensorCore", "Training",
      ],
      exclude: ["README.md"]),
    // The experiment's report: markdown tables and gnuplot figures, built only from what a run
    // left on disk (results/<experiment>), gnuplot started with Foundation.Process.
    .target(
      name: "Reports",
      dependencies: [
        "Experiments", "Gatys", "ImageArguments", "NN", "Optimizers", "Runs", "Store",
        "TensorCore", "Training",
      ],
      exclude: ["README.md"]),
    .executableTarget(
      name: "harness",
      dependencies: [
        "Experiments", "Gatys", "ImageArguments", "Losses", "Measurements", "NN", "Optimizers", "Reports", "Runs",
        "Store", "TensorCore", "Training",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      exclude: ["README.md"]),
    // Appends metric rows to an HDF5 store until killed: the child process of StoreTests' kill -9 test.
    .executableTarget(name: "StoreCrashProbe", dependencies: ["Store"], exclude: ["README.md"]),

    // The parsers as fuzz targets (Tests/Fuzz): the libFuzzer binary's and FuzzCorpusTests' code.
    .target(
      name: "FuzzTargets", dependencies: ["Experiments", "ImageArguments", "NN", "Store"],
      path: "Tests/Fuzz/Targets/FuzzTargets"),

    // Test support: naive reference kernels, gradient checks, fixture access.
    .target(name: "_TestSupport", dependencies: ["TensorCore", "Autodiff", "NN", "Runs", "Store"]),
    .testTarget(name: "SuggestionsTests", dependencies: ["Suggestions"]),
    .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "_TestSupport"]),
    .testTarget(
      name: "StoreTests", dependencies: ["Store", "StoreCrashProbe", "_TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "AutodiffTests", dependencies: ["Autodiff", "_TestSupport"]),
    .testTarget(
      name: "NNTests", dependencies: ["NN", "Optimizers", "_TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "LossesTests", dependencies: ["Losses", "_TestSupport"]),
    .testTarget(
      name: "OptimizersTests", dependencies: ["Optimizers", "_TestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "RunsTests", dependencies: ["Runs", "_TestSupport"]),
    .testTarget(name: "ImageArgumentsTests", dependencies: ["ImageArguments", "_TestSupport"]),
    .testTarget(name: "GatysTests", dependencies: ["Gatys", "_TestSupport"]),
    .testTarget(
      name: "TrainingTests",
      dependencies: [
        "Training", "ImageArguments", "Losses", "NN", "Optimizers", "Runs", "Store", "_TestSupport",
      ]),
    .testTarget(name: "MeasurementsTests", dependencies: ["Measurements", "_TestSupport"]),
    .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "harness", "_TestSupport"]),
    .testTarget(
      name: "ReportsTests", dependencies: ["Reports", "Experiments", "Store", "harness", "_TestSupport"]),
    .testTarget(name: "HarnessTests", dependencies: ["harness", "FuzzTargets", "Runs", "_TestSupport"]),
    // Sweeps through a real Slurm cluster (Scripts/slurm-local start); skipped without one.
    .testTarget(
      name: "SlurmTests", dependencies: ["Experiments", "Store", "harness", "_TestSupport"]),
  ]
)

// The libFuzzer targets of the parsers (Tests/Fuzz), only when TEXTURE_NETS_FUZZ=1: Scripts/fuzz
// builds them with the fuzzer and address sanitizers in .build-fuzz; ordinary builds never see them.
if Context.environment["TEXTURE_NETS_FUZZ"] == "1" {
  package.targets.append(
    .executableTarget(
      name: "HarnessFuzz", dependencies: ["FuzzTargets"], path: "Tests/Fuzz/Targets/HarnessFuzz"))
  package.products.append(.executable(name: "harness-fuzz", targets: ["HarnessFuzz"]))
}
