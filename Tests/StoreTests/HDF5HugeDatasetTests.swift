import Foundation
import Store
import TensorCore
import Testing
import _TestSupport

/// A dataset whose declared shape is larger than this machine's memory is one error naming the
/// file, the dataset and the shape, not a fatal allocation failure: the hdf5 fuzz target found
/// `result/image` declared as [3, 2, 1125899906842627] float64 (a flipped bit in a 2.5 kB file),
/// which killed the process when read as a tensor (Tests/Fuzz/Regressions/hdf5/).
@Suite struct HDF5HugeDatasetTests {
  static let path = TestData.repositoryRoot.appendingPathComponent(
    "Tests/Fuzz/Regressions/hdf5/fuzz-found-huge-dataset-shape.h5"
  ).path

  @Test func readingAHugeDeclaredShapeIsOneError() throws {
    let file = try HDF5File.open(Self.path)
    defer { try? file.close() }
    let dataset = try file.root.dataset("result/image")
    #expect(try dataset.shape == Shape([3, 2, 1_125_899_906_842_627]))
    for read in [
      { _ = try dataset.readTensor() }, { _ = try dataset.read(as: Double.self) },
    ] as [() throws -> Void] {
      do {
        try read()
        Issue.record("a dataset of 6.75e15 values was read")
      } catch {
        let text = "\(error)"
        #expect(
          text.hasPrefix("\(Self.path): /result/image: declares shape [3, 2, 1125899906842627] ("),
          "\(text)")
        #expect(text.contains("more than this machine's"), "\(text)")
        #expect(text.hasSuffix("the file is damaged or not a harness store"), "\(text)")
      }
    }
  }
}
