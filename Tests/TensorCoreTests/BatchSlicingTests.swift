import TensorCore
import Testing

@Suite("Batch concatenation and slicing")
struct BatchSlicingTests {
  @Test("concatenateBatch then batchSlice gives the parts back")
  func roundTrip() {
    let a = Tensor(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 4])
    let b = Tensor(shape: [2, 2, 2, 1], scalars: (5...12).map(Float.init))
    let both = concatenateBatch([a, b])
    #expect(both.shape == [3, 2, 2, 1])
    #expect(both.scalars == (1...12).map(Float.init))
    #expect(both.batchSlice(0..<1).scalars == a.scalars)
    #expect(both.batchSlice(1..<3).scalars == b.scalars)
    #expect(both.batchSlice(2..<3).scalars == [9, 10, 11, 12])
  }

  @Test("repeatedAlongBatch copies a single item")
  func repeated() {
    let a = Tensor(shape: [1, 1, 1, 2], scalars: [7, 8])
    let three = a.repeatedAlongBatch(3)
    #expect(three.shape == [3, 1, 1, 2])
    #expect(three.scalars == [7, 8, 7, 8, 7, 8])
  }
}
