import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldShared

/// Copies a recorded thread and its exchanges into a suite as a golden fixture.
///
/// The thread's decisions name their exchanges (`meta.exchange_key`, `meta.exchange_n`; the
/// older `meta.exchange` is read too). Events and exchanges are redacted with the suite's
/// rules, exchanges are re-keyed when redaction changed their request (the key must be what a
/// replay of the redacted fixture computes) and appended to the suite's cassette, the thread
/// is written as `<fixtures dir>/<thread>.jsonl`, and an expectations stub lists its
/// decisions for a person to correct.
///
/// The promoter constructs nothing of its own: the command layer hands it the stores, the
/// suite loader and the cassette files it writes to.
///
/// ```swift
/// let summary = try Promoter(
///   events: store, cassette: cassettes,
///   loadSuite: { try SuiteLoader(loadAgent: agents, requiresFixtures: false).load($0) },
///   openCassette: { try JSONLCassette(path: $0) }
/// ).promote(thread: "prod-0193", suite: "evals/deploybot")
/// ```
public struct Promoter: Sendable {
  /// Opens the cassette file at a path, for appending the promoted exchanges.
  public typealias CassetteOpener = @Sendable (String) throws -> any CassetteStore
  /// Loads the suite at a path (a directory or its suite.yaml); fixtures may be missing.
  public typealias SuiteLoading = @Sendable (String) throws -> Suite

  public let events: any EventStore
  public let cassette: any CassetteStore
  public let loadSuite: SuiteLoading
  public let openCassette: CassetteOpener

  public init(
    events: any EventStore, cassette: any CassetteStore, loadSuite: @escaping SuiteLoading,
    openCassette: @escaping CassetteOpener
  ) {
    self.events = events
    self.cassette = cassette
    self.loadSuite = loadSuite
    self.openCassette = openCassette
  }

  /// What a promotion wrote.
  public struct Summary: Sendable, Hashable {
    public var thread: String
    public var fixture: String
    public var cassette: String
    public var expectations: String
    public var events: Int
    public var exchanges: Int
    /// Exchanges whose request changed under redaction and got a new key.
    public var rekeyed: Int
    /// Exchange keys named by decisions but not in the store.
    public var missing: [String]
    /// Why the suite will not pick the fixture up yet, if it will not.
    public var notes: [String]
  }

  /// Promotes `thread` into the suite at `suite` (a directory or its suite.yaml).
  ///
  /// - Parameters:
  ///   - name: the fixture's thread id (default: the recorded one).
  ///   - variant: whose cassette receives the exchanges (default: the suite's first).
  ///   - replace: overwrite an existing fixture file of the same name.
  /// - Throws: ``ServerError`` (unknown thread, bad redaction rules, unwritable files),
  ///   `SuiteError` for a suite that does not load.
  public func promote(
    thread: String, suite suitePath: String, as name: String? = nil, variant: String? = nil,
    replace: Bool = false
  ) throws -> Summary {
    let suite = try loadSuite(suitePath)
    let recorded = try events.events(in: thread)
    guard !recorded.isEmpty else { throw ServerError.unknownThread(thread) }
    let target = name ?? thread
    let chosen =
      try variant.map { wanted -> Variant in
        guard let found = suite.variant(named: wanted) else {
          throw ServerError.promotion(
            thread: thread, reason: "the suite has no variant \"\(wanted)\"")
        }
        return found
      } ?? suite.variants[0]
    guard let cassettePath = suite.cassettePath(for: chosen) else {
      throw ServerError.promotion(thread: thread, reason: "\(suite.file) names no cassette")
    }
    let raw = try Self.rawSuite(suite.file)
    let fixturesDirectory = try Self.fixturesDirectory(raw, suite: suite, thread: thread)
    let fixturePath = (fixturesDirectory as NSString).appendingPathComponent(target + ".jsonl")
    if FileManager.default.fileExists(atPath: fixturePath) && !replace {
      throw ServerError.promotion(
        thread: thread, reason: "\(fixturePath) exists; promote --as another name, or --replace")
    }

    // The exchanges the decisions name, in thread order.
    var references: [(index: Int, key: String, n: Int?)] = []
    for (index, event) in recorded.enumerated() {
      guard
        let key = event.meta?["exchange_key"]?.stringValue
          ?? event.meta?["exchange"]?.stringValue
      else { continue }
      references.append((index, key, event.meta?["exchange_n"]?.intValue))
    }
    var uses: [String: Int] = [:]
    var exchanges: [Exchange] = []
    var owners: [Int] = []
    var missing: [String] = []
    for reference in references {
      let occurrence = reference.n ?? uses[reference.key, default: 0]
      uses[reference.key, default: 0] += 1
      let stored = try cassette.exchanges(forKey: reference.key)
      if let exchange = stored.first(where: { $0.n == occurrence }) ?? stored.last {
        exchanges.append(exchange)
        owners.append(reference.index)
      } else {
        missing.append(reference.key)
      }
    }

    // Redact, rename, re-key; the cassette gives each exchange its n as it appends it.
    let rules = try RedactionRule.rules(from: suite.redaction)
    var (redactedEvents, redactedExchanges) = Redactor(rules: rules)
      .redact(events: recorded, exchanges: exchanges)
    let output = try openCassette(cassettePath)
    var rekeyed = 0
    for position in redactedExchanges.indices {
      var exchange = redactedExchanges[position]
      let key = CassetteKey.key(for: exchange.request)
      if key != exchange.key { rekeyed += 1 }
      exchange.key = key
      exchange.keyScheme = CassetteKey.scheme
      exchange.thread = target
      exchange = try output.append(exchange)
      redactedExchanges[position] = exchange
      let owner = owners[position]
      var meta = redactedEvents[owner].meta?.objectValue ?? [:]
      meta["exchange"] = nil
      meta["exchange_key"] = .string(key)
      meta["exchange_n"] = .int(Int64(exchange.n))
      redactedEvents[owner].meta = .object(meta)
    }
    redactedEvents = redactedEvents.map { event in
      var copy = event
      copy.thread = target
      return copy
    }

    // Write: the cassette lines (above), then the fixture whole, then the stub.
    let text = redactedEvents.map(\.jsonLine).joined(separator: "\n") + "\n"
    try Self.write(text, to: fixturePath, thread: thread)
    _ = try FixtureLoader.load([fixturePath])
    let stub = try ExpectationsStub(
      suite: suite, raw: raw, thread: target, events: redactedEvents, from: thread)
    let expectationsPath = try stub.write(thread: thread)

    var notes: [String] = []
    if !suite.fixtureFiles.contains(fixturePath)
      && !Self.fixturePatterns(raw, suite: suite).contains(where: {
        ($0 as NSString).deletingLastPathComponent == fixturesDirectory
          && Expectations.matches(pattern: ($0 as NSString).lastPathComponent, target + ".jsonl")
      })
    {
      notes.append("no fixtures pattern of \(suite.file) matches \(fixturePath); add it")
    }
    if let note = stub.note { notes.append(note) }
    return Summary(
      thread: target, fixture: fixturePath, cassette: cassettePath,
      expectations: expectationsPath, events: redactedEvents.count,
      exchanges: redactedExchanges.count, rekeyed: rekeyed, missing: missing, notes: notes)
  }

  /// The suite file as written (the loaded ``Suite`` has its patterns already expanded).
  static func rawSuite(_ file: String) throws -> YAMLNode? {
    try YAMLNode.parse(try String(contentsOfFile: file, encoding: .utf8), file: file)
  }

  static func fixturePatterns(_ raw: YAMLNode?, suite: Suite) -> [String] {
    let values: [String]
    switch raw?["fixtures"]?.content {
    case .sequence(let items)?:
      values = items.map { $0.json.stringValue ?? $0.json.canonicalString }
    case .scalar(.string(let single))?: values = [single]
    default: values = []
    }
    return values.map { resolve($0, in: suite.directory) }
  }

  /// The directory of the suite's first fixtures pattern.
  static func fixturesDirectory(_ raw: YAMLNode?, suite: Suite, thread: String) throws
    -> String
  {
    guard let first = fixturePatterns(raw, suite: suite).first else {
      throw ServerError.promotion(thread: thread, reason: "\(suite.file) lists no fixtures")
    }
    return (first as NSString).deletingLastPathComponent
  }

  static func resolve(_ relative: String, in directory: String) -> String {
    let joined =
      relative.hasPrefix("/") ? relative : (directory as NSString).appendingPathComponent(relative)
    return (joined as NSString).standardizingPath
  }

  /// Writes a promoted file whole, through ``AtomicFile``.
  static func write(_ text: String, to path: String, thread: String) throws(ServerError) {
    do {
      try AtomicFile.write(text, to: path)
    } catch {
      throw .promotionUnwritable(thread: thread, path: error.path, reason: error.reason)
    }
  }
}
