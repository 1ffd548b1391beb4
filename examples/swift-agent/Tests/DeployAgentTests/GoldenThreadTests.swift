import RefoldTesting
import Testing

/// The deploy bot's golden threads, replayed from the recorded cassette: one issue per case
/// whose decision differs from the golden thread.
@Suite struct GoldenThreadTests {
  @Test func goldenThreadsReplayFromTheCassette() async throws {
    let report = try await expectGoldenThreads(suite: Paths.suite, variant: "baseline")
    #expect(report.caseCount == 6)
  }
}
