import Testing
import _TestSupport

@testable import TensorCore

/// How the Winograd F(4x4, 3x3) kernel splits a batch into chunks of blocks, and that every kind
/// of chunk (groups of whole images, rows of one image, a short last chunk) computes the same
/// convolution as the naive twin.
@Suite struct WinogradPlanTests {
  @Test func smallImagesAreGroupedAndChunksBalanced() {
    // VGG conv4 at 128², batch 4: 16 blocks per image, all four images in one chunk.
    #expect(
      WinogradPlan(images: 4, tileRows: 4, tilesX: 4, maximumTiles: 227).chunks
        == [.init(images: 0..<4, rows: 0..<4)])
    // 5 images of 16 blocks, 3 fit: two chunks, of 2 and 3 images (balanced, not 3 and 2 and
    // nothing, nor 3 and a short 2 ... either order is fine; this is the split's rule).
    let five = WinogradPlan(images: 5, tileRows: 4, tilesX: 4, maximumTiles: 48).chunks
    #expect(five.map(\.images) == [0..<2, 2..<5])
    #expect(five.allSatisfy { $0.rows == 0..<4 })
  }

  @Test func largeImagesAreSplitIntoBalancedRowsOfBlocks() {
    // 32 rows of 32 blocks, 300 fit (9 rows): 4 chunks of 8 rows per image.
    let plan = WinogradPlan(images: 2, tileRows: 32, tilesX: 32, maximumTiles: 300).chunks
    #expect(plan.count == 8)
    #expect(plan.prefix(4).map(\.rows) == [0..<8, 8..<16, 16..<24, 24..<32])
    #expect(plan.allSatisfy { $0.images.count == 1 })
    // An image wider than the limit still gets one row of blocks per chunk.
    #expect(WinogradPlan(images: 1, tileRows: 3, tilesX: 50, maximumTiles: 10).chunks.count == 3)
  }

  /// Chunks of rows (patches overlapping the next chunk's in the input gradient), of groups of
  /// images, and partial 8-block vectors, against the naive convolution, both directions; with
  /// channel counts that take sgemm for the products (5 → 6) and ones that take
  /// `WinogradKernels.multiply` (8 → 16).
  @Test(arguments: [1, 3, 7, 40, 10_000])
  func everyChunkingMatchesNaive(maximumTiles: Int) {
    for (inputs, outputs) in [(5, 6), (8, 16)] {
      for mode in PaddingMode.allCases {
        let label = "\(inputs) → \(outputs) channels, \(maximumTiles) blocks, \(mode)"
        var random = RandomStream(seed: 3, name: "winograd chunks \(label)")
        let x = random.uniformTensor([3, inputs, 13, 21], low: -1, high: 1)
        let w = random.uniformTensor([outputs, inputs, 3, 3], low: -1, high: 1)
        let b = random.uniformTensor([outputs], low: -1, high: 1)
        let geometry = ConvolutionGeometry(kernelSize: 3, padding: 1, paddingMode: mode)
        let dOut = random.uniformTensor([3, outputs, 13, 21], low: -1, high: 1)
        let transform = winogradTransform3x3(w)
        let forward = winogradConvolutionForward(
          x, transform: transform, outputChannels: outputs, bias: b, padding: PaddingAmount(1),
          paddingMode: mode, activation: .identity, maximumTiles: maximumTiles)
        let naive = NaiveConvolution.forward(x, weight: w, bias: b, geometry: geometry)
        let df = difference(forward, naive)
        #expect(df.relativeToMax < 1e-5, "forward, \(label): \(df)")
        let padded = winogradConvolutionBackwardInput(
          dOut, transform: transform, inputChannels: inputs,
          crop: PaddingAmount(mode == .zero ? 1 : 0), maximumTiles: maximumTiles)
        let gradient = mode == .zero ? padded : padAdjoint(padded, PaddingAmount(1), mode: mode)
        let naiveGradient = NaiveConvolution.backwardInput(
          dOut, weight: w, inputShape: x.shape, geometry: geometry)
        let db = difference(gradient, naiveGradient)
        #expect(db.relativeToMax < 1e-5, "input gradient, \(label): \(db)")
      }
    }
  }
}
