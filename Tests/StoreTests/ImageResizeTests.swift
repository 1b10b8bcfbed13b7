import Testing

@testable import Store
@testable import TensorCore

/// A `[1, 1, h, w]` tensor holding `values` row by row.
func planeTensor(_ rows: [[Float]]) -> Tensor {
  Tensor(shape: [1, 1, rows.count, rows[0].count], scalars: rows.flatMap { $0 })
}

@Suite("Image resizing and cropping")
struct ImageResizeTests {
  @Test("downscaling 4x4 to 2x2 gives the 2x2 block means")
  func blockMeans() {
    let image = planeTensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]])
    let result = resizeImage(image, height: 2, width: 2)
    #expect(result.shape == [1, 1, 2, 2])
    #expect(result.scalars == [3.5, 5.5, 11.5, 13.5])
  }

  @Test("downscaling by a fractional ratio weights partly covered pixels by their coverage")
  func fractionalArea() {
    // 6 -> 4: output i covers [1.5 i, 1.5 (i + 1)).
    let image = planeTensor([[0, 6, 12, 18, 24, 30]])
    let result = resizeImage(image, height: 1, width: 4)
    let expected: [Float] = [
      (0 + 0.5 * 6) / 1.5, (0.5 * 6 + 12) / 1.5, (18 + 0.5 * 24) / 1.5, (0.5 * 24 + 30) / 1.5,
    ]
    #expect(largestDifference(result.scalars, expected) <= 1e-5)
  }

  @Test("upscaling 2x2 to 4x4 matches PyTorch's bilinear (align_corners=False)")
  func bilinearKnownValues() {
    let result = resizeImage(planeTensor([[1, 2], [3, 4]]), height: 4, width: 4)
    // torch.nn.functional.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False)
    let expected: [Float] = [
      1.0, 1.25, 1.75, 2.0, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3.0, 3.25, 3.75, 4.0,
    ]
    #expect(largestDifference(result.scalars, expected) <= 1e-6)
  }

  @Test("upscaling 3 to 5 matches a hand-computed bilinear value")
  func bilinearNonIntegerRatio() {
    // scale 3/5: output 1 samples s = 1.5 * 0.6 - 0.5 = 0.4 -> 0.6 * x0 + 0.4 * x1;
    // output 2 samples s = 1.0 -> x1; output 3 samples s = 1.6 -> 0.4 * x1 + 0.6 * x2;
    // output 4 samples s = 2.2 -> clamped to x2.
    let result = resizeImage(planeTensor([[10, 20, 40]]), height: 1, width: 5)
    #expect(abs(result[0, 0, 0, 1] - (0.6 * 10 + 0.4 * 20)) <= 1e-5)
    #expect(result[0, 0, 0, 2] == 20)
    #expect(abs(result[0, 0, 0, 3] - (0.4 * 20 + 0.6 * 40)) <= 1e-5)
    #expect(result[0, 0, 0, 4] == 40)
  }

  @Test("one axis may shrink while the other grows; each follows its own rule")
  func mixedAxes() {
    // Height 4 -> 2 (block means of row pairs), width 2 -> 4 (bilinear).
    let image = planeTensor([[1, 2], [3, 4], [5, 6], [7, 8]])
    let result = resizeImage(image, height: 2, width: 4)
    let rowMeans: [[Float]] = [[2, 3], [6, 7]]
    let expected = rowMeans.flatMap { row in
      [row[0], 0.75 * row[0] + 0.25 * row[1], 0.25 * row[0] + 0.75 * row[1], row[1]]
    }
    #expect(largestDifference(result.scalars, expected) <= 1e-6)
  }

  @Test("resizing to the same size returns the same values; an unchanged axis is left alone")
  func identity() {
    let values = fixtureSamples(count: 2 * 3 * 5 * 7, maximum: 1000, seed: 9).map {
      Float($0) / 997
    }
    let image = Tensor(shape: [2, 3, 5, 7], scalars: values)
    #expect(resizeImage(image, height: 5, width: 7).scalars == values)
    // Identical rows, height changed: every output row is the input row (weights sum to 1).
    let row = Array(values[0..<7])
    let rows = Tensor(shape: [1, 1, 5, 7], scalars: (0..<5).flatMap { _ in row })
    for height in [2, 9] {
      let result = resizeImage(rows, height: height, width: 7)
      let expected = (0..<height).flatMap { _ in row }
      #expect(largestDifference(result.scalars, expected) <= 1e-6)
    }
  }

  @Test(
    "a constant image stays constant at any size", arguments: [(3, 11), (1, 1), (20, 2), (7, 5)])
  func constantImage(height: Int, width: Int) {
    let image = Tensor(shape: [1, 3, 7, 5], repeating: 0.3)
    let result = resizeImage(image, height: height, width: width)
    #expect(result.shape == [1, 3, height, width])
    #expect(largestDifference(result.scalars, [Float](repeating: 0.3, count: result.count)) <= 1e-6)
  }

  @Test("area downscaling keeps the mean for integer ratios")
  func areaKeepsMean() {
    let values = fixtureSamples(count: 12 * 18, maximum: 255, seed: 2).map { Float($0) / 255 }
    let image = Tensor(shape: [1, 1, 12, 18], scalars: values)
    let result = resizeImage(image, height: 4, width: 6)
    let mean = { (v: [Float]) in v.reduce(0, +) / Float(v.count) }
    #expect(abs(mean(result.scalars) - mean(values)) <= 1e-5)
  }

  @Test("centre crop takes the middle window; an odd excess drops the last row or column")
  func centreCropping() {
    let image = Tensor(shape: [1, 1, 4, 5], scalars: (0..<20).map(Float.init))
    let result = centreCrop(image, height: 2, width: 2)
    // top = (4 - 2) / 2 = 1, left = (5 - 2) / 2 = 1.
    #expect(result.scalars == [6, 7, 11, 12])
    #expect(centreCrop(image, height: 4, width: 5).scalars == image.scalars)
  }

  @Test(
    "scale the shorter side to N, then centre-crop to N x N", arguments: [(6, 12), (12, 6), (9, 9)])
  func shorterSideThenCrop(height: Int, width: Int) {
    let values = fixtureSamples(count: 3 * height * width, maximum: 255, seed: 4).map {
      Float($0) / 255
    }
    let image = Tensor(shape: [1, 3, height, width], scalars: values)
    let result = scaleShorterSideAndCentreCrop(image, side: 3)
    #expect(result.shape == [1, 3, 3, 3])
    let scale = 3.0 / Double(min(height, width))
    let scaled = resizeImage(
      image, height: Int(Double(height) * scale), width: Int(Double(width) * scale))
    #expect(result.scalars == centreCrop(scaled, height: 3, width: 3).scalars)
  }
}
