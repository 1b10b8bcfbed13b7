import Dispatch
import Testing

@testable import TensorCore

/// `Parallel.forEach` on the spinning worker pool: every index exactly once, in contiguous
/// chunks; nested and concurrent calls (which fall back to `concurrentPerform`) too.
@Suite struct ParallelTests {
  /// Counts how often each index of `0..<count` was visited.
  final class Visits: Sendable {
    let counts: PosixMutex<[Int]>
    init(_ count: Int) { counts = PosixMutex([Int](repeating: 0, count: count)) }
    func visit(_ range: Range<Int>) { counts.withLock { for i in range { $0[i] += 1 } } }
    var allOnce: Bool { counts.withLock { $0.allSatisfy { $0 == 1 } } }
  }

  @Test(arguments: [1, 2, 3, 17, 1000])
  func everyIndexRunsOnceInContiguousChunks(count: Int) {
    for _ in 0..<200 {
      let visits = Visits(count)
      let chunks = PosixMutex<[Range<Int>]>([])
      Parallel.forEach(count) { range in
        visits.visit(range)
        chunks.withLock { $0.append(range) }
      }
      #expect(visits.allOnce)
      let sorted = chunks.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
      let expected = Parallel.threads == 1 ? 1 : min(Parallel.threads * Parallel.chunksPerThread, count)
      #expect(sorted.count == expected)
      #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    }
  }

  @Test func nestedCallsRunEveryInnerIndex() {
    let visits = Visits(64 * 8)
    Parallel.forEach(8) { outer in
      for o in outer {
        Parallel.forEach(64) { inner in visits.visit((o * 64 + inner.lowerBound)..<(o * 64 + inner.upperBound)) }
      }
    }
    #expect(visits.allOnce)
  }

  @Test func concurrentCallersEachGetTheirWorkDone() {
    let callers = 4
    let visits = (0..<callers).map { _ in Visits(500) }
    DispatchQueue.concurrentPerform(iterations: callers) { caller in
      for _ in 0..<50 {
        let round = Visits(500)
        Parallel.forEach(500) { round.visit($0) }
        precondition(round.allOnce, "caller \(caller): an index was skipped or repeated")
      }
      Parallel.forEach(500) { visits[caller].visit($0) }
    }
    #expect(visits.allSatisfy { $0.allOnce })
  }

  @Test func aPoolRegionRunsEveryChunkAndReportsBusy() {
    let pool = WorkerPool(workers: 1)
    let visits = Visits(2)
    #expect(pool.run(chunks: 2) { chunk in visits.visit(chunk..<chunk + 1) })
    #expect(visits.allOnce)
    // A region started from inside a region finds the pool busy and runs nothing.
    let nested = PosixMutex(true)
    let outer = pool.run(chunks: 1) { _ in
      let ran = pool.run(chunks: 1) { _ in }
      nested.withLock { $0 = ran }
    }
    #expect(outer)
    #expect(nested.withLock { !$0 })
  }
}
