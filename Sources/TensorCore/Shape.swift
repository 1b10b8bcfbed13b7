// Layout legend (one layout everywhere, as llm.c writes it once):
//
//   [N, C, H, W]  batch N, channels C, height H, width W; float32, contiguous, row-major:
//                 element (n, c, y, x) lives at ((n * C + c) * H + y) * W + x.
//   [C, C]        a Gram matrix per image; [N, C, C] for a batch.
//   [K]           a flat vector (parameters, biases, per-channel statistics).
//
// Local names: n, c, h, w for the dimensions, y, x for positions, k for kernel sizes.

/// The dimensions of a tensor, outermost first (`[N, C, H, W]` for images and activations).
public struct Shape: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
  /// The sizes, outermost first.
  public var dimensions: [Int]

  /// A shape with the given sizes; every size must be non-negative.
  public init(_ dimensions: [Int]) {
    precondition(dimensions.allSatisfy { $0 >= 0 }, "Shape: negative dimension in \(dimensions)")
    self.dimensions = dimensions
  }

  /// A shape from an array literal, `[n, c, h, w]`.
  public init(arrayLiteral elements: Int...) { self.init(elements) }

  /// The number of dimensions.
  public var rank: Int { dimensions.count }

  /// The number of elements: the product of the dimensions (1 for a scalar, rank 0).
  public var count: Int { dimensions.reduce(1, *) }

  /// The size of dimension `index`.
  public subscript(index: Int) -> Int { dimensions[index] }

  /// `[N, C, H, W]` as a tuple; the shape must have rank 4.
  public var nchw: (n: Int, c: Int, h: Int, w: Int) {
    precondition(rank == 4, "expected an [N, C, H, W] tensor, got shape \(self)")
    return (dimensions[0], dimensions[1], dimensions[2], dimensions[3])
  }

  /// The shape as `[a, b, c]`.
  public var description: String { "[" + dimensions.map(String.init).joined(separator: ", ") + "]" }
}
