import ImageArguments
import NN
import TensorCore
import Testing
import _TestSupport

@Suite struct ImageResizingTests {
  @Test(arguments: [
    // (size, mode, input h, w, output h, w)
    (512, ImageResizing.Mode.longestSide, 300, 600, 256, 512),
    (512, .longestSide, 600, 300, 512, 256),
    (512, .longestSide, 512, 384, 512, 384),
    // Rounding, not truncation: 7 · 16 / 6 = 13.7 is 14; 333 · 512 / 500 = 340.99 is 341.
    (16, .longestSide, 6, 7, 14, 16),
    (512, .longestSide, 333, 500, 341, 512),
    (512, .longestSide, 500, 333, 512, 341),
    (16, .longestSide, 10, 8, 16, 13),
    (10, .longestSide, 1000, 3, 10, 1),
    (64, .longestSide, 32, 32, 64, 64),
    (256, .centreCrop, 300, 600, 256, 256),
    (256, .centreCrop, 10, 20, 256, 256),
  ])
  func outputSizes(_ c: (Int, ImageResizing.Mode, Int, Int, Int, Int)) {
    let resizing = ImageResizing(size: c.0, mode: c.1)
    let size = resizing.outputSize(height: c.2, width: c.3)
    #expect(size.height == c.4 && size.width == c.5)
    let image = resizing.apply(Tensor(zeros: [1, 3, c.2, c.3]))
    #expect(image.shape == [1, 3, c.4, c.5])
  }

  /// longestSide 2 on a 4 x 2 plane: area averages of 2 x 2 blocks (here 1 column each).
  @Test func longestSideAveragesWhenShrinking() {
    let plane: [Float] = [0, 1, 2, 3, 4, 5, 6, 7]  // rows [0 1] [2 3] [4 5] [6 7]
    let image = Tensor(shape: [1, 1, 4, 2], scalars: plane)
    let resized = ImageResizing(size: 2, mode: .longestSide).apply(image)
    #expect(resized.shape == [1, 1, 2, 1])
    #expect(resized.scalars == [1.5, 5.5])
  }

  /// centreCrop 2 on a 2 x 4 plane: the shorter side is already 2, so the middle two columns.
  @Test func centreCropTakesTheMiddle() {
    let image = Tensor(shape: [1, 1, 2, 4], scalars: [0, 1, 2, 3, 4, 5, 6, 7])
    let cropped = ImageResizing(size: 2, mode: .centreCrop).apply(image)
    #expect(cropped.scalars == [1, 2, 5, 6])
  }

  @Test func unchangedSizeIsTheIdentity() {
    let image = rampTensor([1, 3, 5, 7])
    #expect(ImageResizing(size: 7, mode: .longestSide).apply(image).scalars == image.scalars)
  }
}
