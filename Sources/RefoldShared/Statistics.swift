import Foundation

/// The statistics Refold reports: Wilson intervals, McNemar's exact test, paired bootstrap.
public enum Statistics {
  /// The two-sided 97.5% normal quantile, for 95% intervals.
  public static let z95 = 1.959963984540054

  /// A proportion with its Wilson score interval (Wilson 1927; Agresti & Coull 1998).
  ///
  /// Unlike the normal approximation it stays inside [0, 1] and behaves at 0 and n.
  public static func wilson(passed: Int, total: Int, z: Double = z95) -> Rate {
    guard total > 0 else {
      return Rate(passed: passed, total: total, rate: nil, low: nil, high: nil)
    }
    let n = Double(total)
    let p = Double(passed) / n
    let z2 = z * z
    let denominator = 1 + z2 / n
    let centre = (p + z2 / (2 * n)) / denominator
    let margin = z * ((p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()) / denominator
    return Rate(
      passed: passed, total: total, rate: p, low: max(0, centre - margin),
      high: min(1, centre + margin))
  }

  /// McNemar's exact two-sided p-value for paired binary outcomes.
  ///
  /// `b` and `c` are the discordant pairs (passed only in A, passed only in B). Under the null
  /// hypothesis each discordant pair is a fair coin: p = min(1, 2 · P[X ≤ min(b, c)]) with
  /// X ~ Binomial(b + c, 1/2).
  public static func mcnemarExact(b: Int, c: Int) -> Double {
    let n = b + c
    guard n > 0 else { return 1 }
    let k = min(b, c)
    var logTerms: [Double] = []
    logTerms.reserveCapacity(k + 1)
    let logHalfN = Double(n) * log(0.5)
    for i in 0...k {
      logTerms.append(logChoose(n, i) + logHalfN)
    }
    let maximum = logTerms.max() ?? 0
    let sum = logTerms.reduce(0) { $0 + exp($1 - maximum) }
    let tail = exp(maximum + log(sum))
    return min(1, 2 * tail)
  }

  static func logChoose(_ n: Int, _ k: Int) -> Double {
    lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
  }

  /// A percentile bootstrap 95% interval of the mean paired difference `b[i] - a[i]`.
  ///
  /// Seeded, so the same inputs give the same interval on every machine.
  public static func pairedBootstrap(
    _ a: [Double], _ b: [Double], resamples: Int = 2000, seed: UInt64 = 0x5EED
  ) -> (difference: Double, low: Double, high: Double)? {
    guard a.count == b.count, !a.isEmpty else { return nil }
    let differences = zip(a, b).map { $1 - $0 }
    let n = differences.count
    let observed = differences.reduce(0, +) / Double(n)
    var generator = SplitMix64(seed: seed)
    var means: [Double] = []
    means.reserveCapacity(resamples)
    for _ in 0..<resamples {
      var total = 0.0
      for _ in 0..<n {
        total += differences[Int(generator.next() % UInt64(n))]
      }
      means.append(total / Double(n))
    }
    means.sort()
    let low = means[Int((Double(resamples) * 0.025).rounded(.down))]
    let high = means[min(resamples - 1, Int((Double(resamples) * 0.975).rounded(.down)))]
    return (observed, low, high)
  }
}

/// A small, fast, seedable generator (Steele, Lea & Flood 2014), for reproducible resampling.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
