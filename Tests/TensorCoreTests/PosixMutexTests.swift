import Dispatch
import Testing

@testable import TensorCore

/// `PosixMutex` excludes: increments from many threads at once are none of them lost, and what a
/// body returns comes back.
@Suite struct PosixMutexTests {
  @Test func concurrentIncrementsAreNeverLost() {
    let counter = PosixMutex(0)
    let threads = 8
    let increments = 20_000
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
      for _ in 0..<increments { counter.withLock { $0 += 1 } }
    }
    #expect(counter.withLock { $0 } == threads * increments)
  }

  @Test func theBodysResultAndMutationsAreKept() {
    let lock = PosixMutex([Int: [UInt]]())
    let count = lock.withLock { state -> Int in
      state[4, default: []].append(7)
      return state.count
    }
    #expect(count == 1 && lock.withLock { $0[4] } == [7])
  }
}
