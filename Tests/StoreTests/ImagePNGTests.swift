import Foundation
import Testing

@testable import Store
@testable import TensorCore

/// One PNG flavour: colour type, bit depth, and whether the file carries a tRNS chunk.
struct PNGFlavour: CustomTestStringConvertible, Sendable {
  var colourType: PNGColourType
  var bitDepth: Int
  var transparency = false

  var testDescription: String {
    "\(colourType) \(bitDepth)-bit\(transparency ? " + tRNS" : "")"
  }

  /// Every colour type at every bit depth the PNG specification allows, plus tRNS variants.
  static let all: [PNGFlavour] =
    [1, 2, 4, 8, 16].map { PNGFlavour(colourType: .gray, bitDepth: $0) }
    + [8, 16].flatMap { depth in
      [PNGColourType.grayAlpha, .rgb, .rgba].map { PNGFlavour(colourType: $0, bitDepth: depth) }
    }
    + [1, 2, 4, 8].flatMap { depth in
      [false, true].map { PNGFlavour(colourType: .palette, bitDepth: depth, transparency: $0) }
    }
    + [(PNGColourType.gray, 2), (.gray, 8), (.gray, 16), (.rgb, 8), (.rgb, 16)].map {
      PNGFlavour(colourType: $0.0, bitDepth: $0.1, transparency: true)
    }
}

/// A small image of a given flavour, its PNG bytes, and the `[1, 3, H, W]` values a faithful
/// reader must return, computed here from the PNG specification (not from `planarRGB`).
struct PNGFixture {
  static let width = 13
  static let height = 7
  let flavour: PNGFlavour
  let samples: [Int]
  let layout: PNGLayout
  let expected: [Float]

  init(_ flavour: PNGFlavour, interlaced: Bool = false) {
    self.flavour = flavour
    let pixels = Self.width * Self.height
    let channels = flavour.colourType.channels
    let maximum = (1 << flavour.bitDepth) - 1
    var layout = PNGLayout(
      width: Self.width, height: Self.height, colourType: flavour.colourType,
      bitDepth: flavour.bitDepth, interlaced: interlaced)
    var samples: [Int]
    var palette: [[Int]] = []
    var paletteAlpha: [Int] = []
    if flavour.colourType == .palette {
      let entries = min(maximum + 1, 20)
      samples = fixtureSamples(count: pixels, maximum: entries - 1, seed: 3)
      let colours = fixtureSamples(count: 3 * entries, maximum: 255, seed: 4)
      palette = (0..<entries).map { Array(colours[3 * $0..<3 * $0 + 3]) }
      layout.palette = colours.map { UInt8($0) }
      if flavour.transparency {
        // Fewer alphas than entries: the last entry stays opaque, as the specification says.
        paletteAlpha = [0, 255] + fixtureSamples(count: max(entries - 3, 0), maximum: 255, seed: 5)
        layout.paletteAlpha = paletteAlpha.map { UInt8($0) }
        samples[0] = 0
        samples[1] = 1
        samples[2] = entries - 1
      }
    } else {
      samples = fixtureSamples(count: pixels * channels, maximum: maximum, seed: UInt64(maximum))
      if channels == 2 || channels == 4 {
        samples[channels - 1] = 0  // a fully transparent pixel
        samples[2 * channels - 1] = maximum  // an opaque one
      }
      if flavour.transparency {
        layout.transparentColour = samples[0..<channels].map { UInt16($0) }
      }
    }
    self.samples = samples
    self.layout = layout

    // Expected values: samples scaled to [0, 1] (depths below 8 go through libpng's 8-bit
    // expansion, v · 255 / (2^d − 1), an exact integer), then alpha over white.
    func normalised(_ value: Int) -> Float {
      if flavour.bitDepth < 8 { return Float(value * (255 / maximum)) / 255 }
      return Float(value) / Float(maximum)
    }
    var expected = [Float](repeating: 0, count: 3 * pixels)
    for pixel in 0..<pixels {
      var colour: [Float]
      var alpha: Float = 1
      if flavour.colourType == .palette {
        let index = samples[pixel]
        colour = palette[index].map { Float($0) / 255 }
        if index < paletteAlpha.count { alpha = Float(paletteAlpha[index]) / 255 }
      } else {
        let values = Array(samples[pixel * channels..<(pixel + 1) * channels])
        let colourValues = channels >= 3 ? Array(values[0..<3]) : [values[0], values[0], values[0]]
        colour = colourValues.map(normalised)
        if channels == 2 || channels == 4 { alpha = normalised(values[channels - 1]) }
        if let transparent = layout.transparentColour,
          values.map({ UInt16($0) }) == transparent
        {
          alpha = 0
        }
      }
      for channel in 0..<3 {
        expected[channel * pixels + pixel] = alpha * colour[channel] + (1 - alpha)
      }
    }
    self.expected = expected
  }

  /// The PNG file's bytes.
  func png() throws -> [UInt8] {
    if flavour.bitDepth == 16 {
      return try encodePNG(samples.map { UInt16($0) }, layout: layout, path: "fixture.png")
    }
    return try encodePNG(samples.map { UInt8($0) }, layout: layout, path: "fixture.png")
  }
}

/// The largest absolute difference between two equally long arrays.
func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
  precondition(a.count == b.count, "largestDifference: \(a.count) vs \(b.count) values")
  return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite("Image I/O: PNG")
struct ImagePNGTests {
  @Test("every PNG flavour reads back as the specification's values", arguments: PNGFlavour.all)
  func readsEveryFlavour(flavour: PNGFlavour) throws {
    try withImageDirectory { directory in
      let fixture = PNGFixture(flavour)
      let path = directory + "/image.png"
      try writeFileBytes(try fixture.png(), to: path)
      let image = try readImage(path: path)
      #expect(image.shape == [1, 3, PNGFixture.height, PNGFixture.width])
      #expect(largestDifference(image.scalars, fixture.expected) <= 1e-6)
    }
  }

  @Test("an interlaced PNG reads exactly as its non-interlaced twin", arguments: PNGFlavour.all)
  func interlacedEqualsNonInterlaced(flavour: PNGFlavour) throws {
    let plain = PNGFixture(flavour, interlaced: false)
    let interlaced = PNGFixture(flavour, interlaced: true)
    let plainBytes = try plain.png()
    let interlacedBytes = try interlaced.png()
    #expect(plainBytes != interlacedBytes)
    #expect(interlacedBytes[28] == 1)  // IHDR's interlace method: Adam7
    let plainImage = try decodeImage(plainBytes, path: "plain.png")
    let interlacedImage = try decodeImage(interlacedBytes, path: "interlaced.png")
    #expect(plainImage.scalars == interlacedImage.scalars)
  }

  @Test("16-bit samples are divided by 65535 as stored, not converted to linear light")
  func sixteenBitIsExact() throws {
    let values: [UInt16] = [0, 1, 32767, 32768, 65534, 65535]
    let layout = PNGLayout(width: 6, height: 1, colourType: .gray, bitDepth: 16)
    let image = try decodeImage(
      try encodePNG(values, layout: layout, path: "g16.png"), path: "g16.png")
    for (x, value) in values.enumerated() {
      for channel in 0..<3 { #expect(image[0, channel, 0, x] == Float(value) / 65535) }
    }
    // libpng's simplified API would give 186/255 ≈ 0.73 for 32767 (linear light).
    #expect(abs(image[0, 0, 0, 2] - 0.5) < 1e-4)
  }

  @Test("alpha is composited over white on the stored values: a·c + (1 − a)")
  func alphaCompositing() throws {
    let rgba: [UInt8] = [200, 100, 0, 128, 10, 20, 30, 0, 10, 20, 30, 255, 255, 0, 64, 51]
    let layout = PNGLayout(width: 4, height: 1, colourType: .rgba, bitDepth: 8)
    let image = try decodeImage(try encodePNG(rgba, layout: layout, path: "a.png"), path: "a.png")
    let expected: [[Float]] = [
      [200, 100, 0].map { 128 / 255 * $0 / 255 + 127 / 255 },  // half transparent
      [1, 1, 1],  // fully transparent: the background
      [10 / 255, 20 / 255, 30 / 255],  // opaque: the colour itself
      [255, 0, 64].map { 0.2 * $0 / 255 + 0.8 },  // alpha 51 = 0.2
    ]
    for x in 0..<4 {
      for channel in 0..<3 {
        #expect(abs(image[0, channel, 0, x] - expected[x][channel]) <= 1e-6)
      }
    }
  }

  @Test("16-bit gray+alpha composites with 16-bit precision")
  func sixteenBitAlpha() throws {
    let samples: [UInt16] = [32767, 16384, 65535, 0]
    let layout = PNGLayout(width: 2, height: 1, colourType: .grayAlpha, bitDepth: 16)
    let image = try decodeImage(
      try encodePNG(samples, layout: layout, path: "ga.png"), path: "ga.png")
    let alpha = Float(16384) / 65535
    #expect(abs(image[0, 1, 0, 0] - (alpha * 32767 / 65535 + (1 - alpha))) <= 1e-6)
    #expect(image[0, 2, 0, 1] == 1)
  }

  @Test("palette + tRNS: alpha 0 gives white, alpha 255 and entries past the table give the colour")
  func paletteTransparency() throws {
    var layout = PNGLayout(width: 4, height: 1, colourType: .palette, bitDepth: 8)
    layout.palette = [255, 0, 0, 0, 255, 0, 0, 0, 255, 40, 80, 120]
    layout.paletteAlpha = [0, 255, 102]
    let image = try decodeImage(
      try encodePNG([UInt8]([0, 1, 2, 3]), layout: layout, path: "p.png"), path: "p.png")
    let pixels = (0..<4).map { x in (0..<3).map { image[0, $0, 0, x] } }
    #expect(pixels[0] == [1, 1, 1])
    #expect(pixels[1] == [0, 1, 0])
    #expect(largestDifference(pixels[2], [0.6, 0.6, 0.4 * 1 + 0.6]) <= 1e-6)
    #expect(largestDifference(pixels[3], [40 / 255, 80 / 255, 120 / 255]) <= 1e-7)
  }

  @Test("writePNG then readImage returns each value quantised to the nearest 1/255")
  func writeReadRoundTrip() throws {
    try withImageDirectory { directory in
      let (height, width) = (5, 9)
      let values = fixtureSamples(count: 3 * height * width, maximum: 10_000, seed: 11)
        .map { Float($0) / 10_000 }
      let image = Tensor(shape: [1, 3, height, width], scalars: values)
      let path = directory + "/out.png"
      try writePNG(image, path: path)
      let back = try readImage(path: path)
      #expect(back.shape == image.shape)
      #expect(largestDifference(back.scalars, values) <= 0.5 / 255 + 1e-6)
      #expect(back.scalars == values.map { Float(quantizedByte($0)) / 255 })
      // Exactly representable values survive unchanged, and [3, H, W] is accepted too.
      let exact = Tensor(shape: [3, 1, 4], scalars: (0..<12).map { Float($0 * 20) / 255 })
      try writePNG(exact, path: path)
      #expect(try readImage(path: path).scalars == exact.scalars)
    }
  }

  @Test("writing clamps to [0, 1], maps NaN to 0 and rounds half away from zero")
  func quantisation() {
    #expect(quantizedByte(-0.5) == 0)
    #expect(quantizedByte(1.7) == 255)
    #expect(quantizedByte(.nan) == 0)
    #expect(quantizedByte(.infinity) == 255)
    #expect(quantizedByte(0.5) == 128)  // 127.5 -> 128
    // A value whose product with 255 is exactly an even integer + 0.5: banker's rounding would
    // go down, half away from zero goes up.
    let halfway = (0..<255).lazy.compactMap { k -> (Int, Float)? in
      let value = Float(2 * k) / 255 + 0.5 / 255
      return value * 255 == Float(2 * k) + 0.5 ? (2 * k, value) : nil
    }.first
    if let (even, value) = halfway {
      #expect(quantizedByte(value) == UInt8(even + 1))
    } else {
      Issue.record("no Float v with v·255 exactly halfway above an even integer")
    }
  }

  @Test("writing replaces an existing file and leaves no temporary file behind")
  func atomicReplace() throws {
    try withImageDirectory { directory in
      let path = directory + "/image.png"
      try writeFileBytes(Array("old contents".utf8), to: path)
      try writePNG(Tensor(shape: [1, 3, 2, 2], repeating: 0.25), path: path)
      #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["image.png"])
      #expect(try readImage(path: path).scalars.allSatisfy { $0 == 64 / 255 })
      let attributes = try FileManager.default.attributesOfItem(atPath: path)
      #expect((attributes[.posixPermissions] as? Int) == 0o644)
    }
  }

  @Test("a relative path without a directory writes into the current directory")
  func splitsPaths() {
    #expect(splitPath("image.png") == (".", "image.png"))
    #expect(splitPath("/image.png") == ("/", "image.png"))
    #expect(splitPath("a/b/c.png") == ("a/b", "c.png"))
    #expect(splitPath("a/") == ("a", ""))
  }
}
