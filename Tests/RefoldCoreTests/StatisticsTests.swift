import RefoldShared
import Testing

@testable import RefoldCore

/// Statistics against independently computed values.
@Suite struct StatisticsTests {
  /// Newcombe (1998), "Two-sided confidence intervals for the single proportion",
  /// Statistics in Medicine 17:857–872, Table I, method 3 (Wilson score, no continuity
  /// correction), to the four decimals printed there.
  @Test(arguments: [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
  ])
  func wilsonMatchesNewcombeTableI(passed: Int, total: Int, low: Double, high: Double) throws {
    let rate = Statistics.wilson(passed: passed, total: total)
    #expect(abs(try #require(rate.low) - low) < 0.00005)
    #expect(abs(try #require(rate.high) - high) < 0.00005)
    #expect(rate.rate == Double(passed) / Double(total))
  }

  /// Full-precision values from the closed form with scipy's normal quantile.
  /// `python3 -c "from scipy.stats import norm; import math; z=norm.ppf(0.975);
  ///  w=lambda x,n:((x/n+z*z/(2*n))/(1+z*z/n), z*math.sqrt(x/n*(1-x/n)/n+z*z/(4*n*n))/(1+z*z/n));
  ///  print([(max(0,c-m),min(1,c+m)) for c,m in [w(29,29),w(0,1),w(1,1),w(5,10),w(40,50),
  ///  w(95,100),w(8,9)]])"`
  @Test(arguments: [
    (29, 29, 0.8830302015002593, 1.0),
    (0, 1, 0.0, 0.7934506856227626),
    (1, 1, 0.20654931437723745, 1.0),
    (5, 10, 0.236593090512564, 0.7634069094874361),
    (40, 50, 0.6696289406777459, 0.887562499842239),
    (95, 100, 0.8882495307680808, 0.9784563208456319),
    (8, 9, 0.5650002944233439, 0.9801091123614551),
  ])
  func wilsonMatchesTheClosedForm(passed: Int, total: Int, low: Double, high: Double) throws {
    let rate = Statistics.wilson(passed: passed, total: total)
    #expect(abs(try #require(rate.low) - low) < 1e-12)
    #expect(abs(try #require(rate.high) - high) < 1e-12)
  }

  @Test func wilsonOfNothing() {
    let rate = Statistics.wilson(passed: 0, total: 0)
    #expect(rate.rate == nil && rate.low == nil && rate.high == nil)
    #expect(rate.total == 0)
  }

  @Test func z95IsTheNormalQuantile() {
    // scipy.stats.norm.ppf(0.975) = 1.959963984540054
    #expect(Statistics.z95 == 1.959963984540054)
  }

  /// Two-sided exact binomial p-values (p = 0.5) from scipy 1.x.
  /// `python3 -c "from scipy.stats import binomtest; print([binomtest(b, b + c, 0.5).pvalue
  ///  for b, c in [(0,1),(1,0),(0,5),(2,8),(3,3),(5,15),(10,20),(0,20),(12,30),(40,60),(1,9),(7,2)]])"`
  @Test(arguments: [
    (0, 1, 1.0),
    (1, 0, 1.0),
    (0, 5, 0.0625),
    (2, 8, 0.109375),
    (3, 3, 1.0),
    (5, 15, 0.04138946533203125),
    (10, 20, 0.09873714670538905),
    (0, 20, 1.9073486328125e-06),
    (12, 30, 0.007915897334896727),
    (40, 60, 0.05688793364098089),
    (1, 9, 0.021484375),
    (7, 2, 0.1796875),
  ])
  func mcnemarMatchesScipyBinomtest(b: Int, c: Int, expected: Double) {
    let p = Statistics.mcnemarExact(b: b, c: c)
    #expect(abs(p - expected) <= 1e-9 * max(expected, 1e-300), "b=\(b) c=\(c): \(p)")
    #expect(Statistics.mcnemarExact(b: c, c: b) == p, "symmetric in b and c")
  }

  @Test func mcnemarWithNoDiscordantPairs() {
    #expect(Statistics.mcnemarExact(b: 0, c: 0) == 1)
  }

  /// SplitMix64 reference outputs (Steele, Lea & Flood; Vigna's `splitmix64.c`), computed in
  /// Python with 64-bit masking.
  @Test(
    arguments: [
      (UInt64(0), [UInt64(0xE220_A839_7B1D_CDAF), 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F]),
      (
        UInt64(0x5EED),
        [UInt64(0x09F1_FD9D_03F0_A9B4), 0x5532_7416_1BBF_8475, 0x5D5B_CA46_96B3_43B3]
      ),
      (
        UInt64(1_234_567),
        [UInt64(0x599E_D017_FB08_FC85), 0x2C73_F084_5854_0FA5, 0x883E_BCE5_A3F2_7C77]
      ),
    ] as [(UInt64, [UInt64])])
  func splitMixReferenceOutputs(seed: UInt64, expected: [UInt64]) {
    var generator = SplitMix64(seed: seed)
    #expect((0..<3).map { _ in generator.next() } == expected)
  }

  @Test func bootstrapIsDeterministicForASeed() throws {
    let a: [Double] = [1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1]
    let b: [Double] = [1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1]
    let first = try #require(Statistics.pairedBootstrap(a, b, resamples: 2000, seed: 42))
    let second = try #require(Statistics.pairedBootstrap(a, b, resamples: 2000, seed: 42))
    #expect(first.difference == second.difference)
    #expect(first.low == second.low && first.high == second.high)
    #expect(abs(first.difference - 0.15) < 1e-12)
    #expect(first.low <= first.difference && first.difference <= first.high)
    #expect(first.low >= 0 && first.high <= 0.5)
    // Another seed resamples differently, but the observed difference does not move.
    var intervals: Set<[Double]> = []
    for seed in UInt64(1)...8 {
      let other = try #require(Statistics.pairedBootstrap(a, b, resamples: 500, seed: seed))
      #expect(other.difference == first.difference)
      intervals.insert([other.low, other.high])
    }
    #expect(intervals.count > 1)
    print("paired bootstrap, seed 42: difference 0.15, 95% interval [\(first.low), \(first.high)]")
  }

  @Test func bootstrapEdgeCases() throws {
    #expect(Statistics.pairedBootstrap([], []) == nil)
    #expect(Statistics.pairedBootstrap([1, 0], [1]) == nil)
    let constant = try #require(Statistics.pairedBootstrap([0, 0, 0], [1, 1, 1], resamples: 100))
    #expect(constant.difference == 1 && constant.low == 1 && constant.high == 1)
    let single = try #require(Statistics.pairedBootstrap([0.25], [1], resamples: 10, seed: 3))
    #expect(single.difference == 0.75 && single.low == 0.75 && single.high == 0.75)
  }
}
