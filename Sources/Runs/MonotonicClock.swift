import Foundation

/// Seconds on a monotonic clock (`CLOCK_MONOTONIC`: unaffected by changes of the wall clock),
/// for durations only.
public func monotonicSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
