import RefoldTesting
import Synchronization
import Testing

/// The test clock: sleepers wake when, and only when, the test has moved time to them.
@Suite struct TestClockTests {
  /// Which sleepers have woken, in order.
  final class Woken: Sendable {
    private let names = Mutex<[String]>([])
    var all: [String] { names.withLock { $0 } }
    func add(_ name: String) { names.withLock { $0.append(name) } }
  }

  @Test func sleepersWakeInDeadlineOrderAsTimeIsAdvanced() async throws {
    let clock = TestClock()
    let woken = Woken()
    async let short: Void = {
      try await clock.sleep(for: .seconds(1))
      woken.add("1 s")
    }()
    async let long: Void = {
      try await clock.sleep(for: .seconds(5))
      woken.add("5 s")
    }()
    await clock.waitForSleeper(dueWithin: .seconds(1))
    await clock.waitForSleeper(dueWithin: .seconds(5))
    #expect(woken.all.isEmpty)
    clock.advance(by: .milliseconds(999))
    #expect(woken.all.isEmpty)
    clock.advance(by: .milliseconds(1))
    try await short
    #expect(woken.all == ["1 s"])
    await clock.advanceWhenDue(by: .seconds(4))
    try await long
    #expect(woken.all == ["1 s", "5 s"])
    #expect(clock.now.offset == .seconds(5))
    #expect(clock.requestedSleeps.sorted() == [.seconds(1), .seconds(5)])
  }

  @Test func aSleepThatIsDueAlreadyReturnsAtOnce() async throws {
    let clock = TestClock()
    clock.advance(by: .seconds(3))
    try await clock.sleep(until: clock.now.advanced(by: .seconds(-1)))
    try await clock.sleep(for: .zero)
  }

  @Test func cancellingASleeperThrowsAndFreesIt() async throws {
    let clock = TestClock()
    let sleeper = Task { try await clock.sleep(for: .seconds(60)) }
    await clock.waitForSleeper(dueWithin: .seconds(60))
    sleeper.cancel()
    await #expect(throws: CancellationError.self) { try await sleeper.value }
    // Cancelled before it started: it never waits.
    let early = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      try await clock.sleep(for: .seconds(60))
    }
    await #expect(throws: CancellationError.self) { try await early.value }
  }
}
