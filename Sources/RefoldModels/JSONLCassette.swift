import Foundation
import RefoldCore
import RefoldShared
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A cassette kept as a JSONL file: one exchange per line; a path ending in `.gz` is the
/// same lines compressed with gzip (``GzipFile``), decompressed when opened.
///
/// Opening the cassette streams the file in chunks and reads each line's `key` and `n` only
/// (checking that every key's `n` counts 0, 1, 2, …); just an index stays in memory: for
/// each key, where its lines are in the file. An exchange is read back from the file and
/// parsed when asked for, so a cassette of any size costs memory for its keys only, and a
/// line that is not a valid exchange is reported, with its number, when it is read.
///
/// A line cannot lie: the first time a line is read, its key is checked against the hash
/// of its request and its answer against its provider's format (``CassetteVerification``),
/// and an unknown field is refused; `init(path:verify:)` checks every line at open.
/// Existing lines are never rewritten (but by ``rekey(path:)``); new exchanges are appended
/// as lines and flushed at once. Parent folders are created on the first write. Secrets are never part of an
/// exchange, so never part of the file.
///
/// ```swift
/// let cassette = try JSONLCassette(path: "fixtures/cassettes/deploybot.jsonl")
/// let source = RecordedModelSource(cassette: cassette)
/// ```
public final class JSONLCassette: CassetteStore {
  public let path: String
  private let state: Mutex<State>
  /// The index still being read, for a cassette opened with ``opening(path:)``.
  private let reading: BackgroundRead?

  /// Where one line is in the file.
  private struct Span {
    var offset: Int64
    var length: Int
    var line: Int
    /// Whether the line's key and answer were checked (``CassetteVerification``).
    var verified = false
  }

  private struct State {
    var byKey: [String: [Span]] = [:]
    /// Lines in the file so far (blank ones included), for line numbers of appends.
    var lines = 0
    /// A descriptor open for reading, once the file exists; closed with the cassette.
    ///
    /// For a `.jsonl.gz` cassette, an unlinked temporary file holding its lines decompressed.
    var descriptor: Int32 = -1

    /// Adds the line at `span` to the index as the `n`-th of `key`.
    ///
    /// - Throws: when `n` is not the number of lines of `key` before it.
    mutating func add(key: String, n: Int, _ span: Span, path: String) throws(ModelSourceError) {
      let count = byKey[key]?.count ?? 0
      guard n == count else {
        throw .cassette(
          path: path, line: span.line, reason: "expected n \(count) for key \(key), found \(n)")
      }
      byKey[key, default: []].append(span)
    }
  }

  /// The state of an index read in the background (``opening(path:)``), which answers wait
  /// on.
  private final class BackgroundRead: @unchecked Sendable {
    // @unchecked: `done` and `failure` are used under `condition` only.
    private let condition = NSCondition()
    private var done = false
    private var failure: ModelSourceError?

    /// Wakes the answers waiting for lines read since.
    func progressed() {
      condition.lock()
      condition.broadcast()
      condition.unlock()
    }

    /// Marks the index whole, or failed with `failure`, and wakes every waiting answer.
    func finish(_ failure: ModelSourceError?) {
      condition.lock()
      done = true
      self.failure = failure
      condition.broadcast()
      condition.unlock()
    }

    /// Returns once `ready` holds or the index is whole.
    ///
    /// - Throws: what made reading the index fail.
    func wait(until ready: () -> Bool) throws(ModelSourceError) {
      condition.lock()
      defer { condition.unlock() }
      while !done, !ready() { condition.wait() }
      if let failure { throw failure }
    }

    /// Returns once the index is whole.
    ///
    /// - Throws: what made reading it fail.
    func waitUntilDone() throws(ModelSourceError) {
      try wait { false }
    }
  }

  /// Opens the cassette at `path`; a missing file is an empty cassette.
  ///
  /// - Throws: ``ModelSourceError/cassette(path:line:reason:)`` for an unreadable file, or a
  ///   line (with its number) whose key or n is missing or out of order.
  public convenience init(path: String) throws(ModelSourceError) {
    try self.init(path: path, verify: false)
  }

  /// Opens the cassette at `path`, checking every line now when `verify` is true (instead
  /// of each when it is first read).
  ///
  /// - Throws: ``ModelSourceError/cassette(path:line:reason:)`` as ``init(path:)``, and for
  ///   the first line that does not verify.
  public init(path: String, verify: Bool) throws(ModelSourceError) {
    self.path = path
    var state = State()
    if FileManager.default.fileExists(atPath: path) {
      let (descriptor, copy) = try Self.openForReading(path)
      state.descriptor = descriptor
      do {
        state.lines = try Self.index(descriptor: descriptor, path: path, copy: copy) {
          key, n, span throws(ModelSourceError) in try state.add(key: key, n: n, span, path: path)
        }
        if verify {
          for (key, spans) in state.byKey {
            for index in spans.indices {
              _ = try Self.verifiedRead(spans[index], descriptor: descriptor, path: path)
              state.byKey[key]?[index].verified = true
            }
          }
        }
      } catch {
        copy?.stop()
        close(descriptor)
        throw error
      }
    }
    self.state = Mutex(state)
    reading = nil
  }

  private init(path: String, descriptor: Int32, reading: BackgroundRead) {
    self.path = path
    var state = State()
    state.descriptor = descriptor
    self.state = Mutex(state)
    self.reading = reading
  }

  /// Opens the cassette at `path` for replaying and reads its index on a thread of its
  /// own: an answer is given as soon as its line is read, so a replay starts while a large
  /// cassette (or a compressed one, decompressed as it is read) is still being opened.
  ///
  /// A line the index cannot take (not an exchange, an `n` out of order) fails every
  /// answer asked for from then on and ``finishOpening()``, with the error
  /// ``init(path:)`` would have thrown. Everything but
  /// ``answers(forKey:needing:request:)`` waits for the whole index first. A missing file
  /// is an empty cassette.
  ///
  /// - Throws: ``ModelSourceError/cassette(path:line:reason:)`` when the file cannot be
  ///   opened.
  public static func opening(path: String) throws(ModelSourceError) -> JSONLCassette {
    guard FileManager.default.fileExists(atPath: path) else { return try JSONLCassette(path: path) }
    let (descriptor, copy) = try openForReading(path)
    let reading = BackgroundRead()
    let cassette = JSONLCassette(path: path, descriptor: descriptor, reading: reading)
    let thread = Thread {
      var failure: ModelSourceError?
      var added = 0
      do throws(ModelSourceError) {
        let lines = try index(descriptor: descriptor, path: path, copy: copy) {
          key, n, span throws(ModelSourceError) in
          try cassette.state.withLock { state throws(ModelSourceError) in
            try state.add(key: key, n: n, span, path: path)
          }
          added += 1
          // Waiting answers are woken every few lines, not for each one.
          if added % 32 == 0 { reading.progressed() }
        }
        cassette.state.withLock { $0.lines = lines }
      } catch {
        copy?.stop()
        failure = error
      }
      reading.finish(failure)
    }
    thread.name = "refold.cassette-index"
    thread.start()
    return cassette
  }

  /// Waits until a cassette from ``opening(path:)`` has read its whole index.
  ///
  /// - Throws: what made reading the index fail.
  public func finishOpening() throws {
    try reading?.waitUntilDone()
  }

  deinit {
    let descriptor = state.withLock { $0.descriptor }
    guard descriptor >= 0 else { return }
    guard GzipFile.isGzip(path) else {
      close(descriptor)
      return
    }
    // The last close of the unlinked decompressed copy frees its blocks: 0.14 s for the
    // 791 MB of a 100,000-decision cassette. It is done on a thread of its own, while
    // whatever released the cassette (an evaluation writing its reports) goes on.
    let closing = Thread { close(descriptor) }
    closing.name = "refold.cassette-close"
    closing.start()
  }

  public func exchanges(forKey key: String) throws -> [Exchange] {
    try finishOpening()
    return try read(key: key, parts: .whole)
  }

  /// The exchanges for `key` without their requests (`request` is `null`): the request is
  /// most of a line, and replaying does not need it.
  public func answers(forKey key: String) throws -> [Exchange] {
    try finishOpening()
    return try read(key: key, parts: .withoutRequest)
  }

  /// ``answers(forKey:)`` once `count` lines of `key` are read (or the whole index is); a
  /// line's request that `request` says is the one asked needs no hash to check its key.
  public func answers(
    forKey key: String, needing count: Int,
    request: ((UnsafeBufferPointer<UInt8>) -> Int?)? = nil
  ) throws -> [Exchange] {
    if let reading {
      try reading.wait(until: { state.withLock { $0.byKey[key]?.count ?? 0 } >= count })
    }
    return try read(key: key, parts: .withoutRequest, request: request)
  }

  /// Reads the lines of `key` back, outside the lock: lines are never rewritten, and the
  /// descriptor stays open as long as the cassette.
  private func read(
    key: String, parts: Parts, request: ((UnsafeBufferPointer<UInt8>) -> Int?)? = nil
  ) throws(ModelSourceError) -> [Exchange] {
    let (spans, descriptor) = state.withLock { state in (state.byKey[key] ?? [], state.descriptor) }
    var exchanges: [Exchange] = []
    var checked: [Int] = []
    for (index, span) in spans.enumerated() {
      if span.verified {
        exchanges.append(try Self.read(span, descriptor: descriptor, path: path, parts: parts))
        continue
      }
      switch parts {
      case .whole:
        exchanges.append(try Self.verifiedRead(span, descriptor: descriptor, path: path))
      case .withoutRequest:
        exchanges.append(
          try Self.verifiedAnswer(span, descriptor: descriptor, path: path, request: request))
      }
      checked.append(index)
    }
    if !checked.isEmpty {
      state.withLock { state in
        for index in checked where index < state.byKey[key]?.count ?? 0 {
          state.byKey[key]?[index].verified = true
        }
      }
    }
    return exchanges
  }

  /// Reads the whole line at `span` and checks it.
  private static func verifiedRead(_ span: Span, descriptor: Int32, path: String)
    throws(ModelSourceError) -> Exchange
  {
    let exchange = try read(span, descriptor: descriptor, path: path, parts: .whole)
    if let problem = CassetteVerification.problem(in: exchange, path: path) {
      throw .cassette(path: path, line: span.line, reason: problem)
    }
    return exchange
  }

  /// Reads the line at `span` without its request, checking it: the key against the hash
  /// of the request's bytes as written (a recorded line's request is canonical, so this
  /// needs no parsing), and only when they differ against the hash of the parsed request
  /// (a request written some other way, or with fields that do not decide the answer).
  private static func verifiedAnswer(
    _ span: Span, descriptor: Int32, path: String,
    request: ((UnsafeBufferPointer<UInt8>) -> Int?)?
  ) throws(ModelSourceError) -> Exchange {
    let bytes = try lineBytes(span, descriptor: descriptor, path: path)
    return try bytes.withUnsafeBufferPointer { line throws(ModelSourceError) in
      let (exchange, requestRange, askedRequest) = try Self.answer(
        line, path: path, line: span.line, asked: request)
      // The line was found under the asked request's key: when its request's bytes are
      // that request's canonical bytes, they hash to its key, so the key is theirs.
      if let requestRange,
        askedRequest
          || CassetteKey.key(rawBytes: UnsafeBufferPointer(rebasing: line[requestRange]))
            == exchange.key
      {
        if let problem = CassetteVerification.responseProblem(
          exchange.response, provider: exchange.provider)
        {
          throw .cassette(
            path: path, line: span.line,
            reason: "the answer is not \(problem); \(CassetteVerification.advice(path))")
        }
        return exchange
      }
      var whole = try Self.exchange(line, path: path, line: span.line, parts: .whole)
      if let problem = CassetteVerification.problem(in: whole, path: path) {
        throw .cassette(path: path, line: span.line, reason: problem)
      }
      whole.request = .null
      return whole
    }
  }

  /// Every problem of the cassette at `path`, one `file:line: reason` each, in file order.
  ///
  /// Lines that are not exchanges, unknown fields, keys that are not their request's hash,
  /// answers not in the provider's format, `n` out of order. Empty for a good cassette.
  ///
  /// - Throws: ``ModelSourceError/cassette(path:line:reason:)`` when the file cannot be read.
  public static func problems(path: String) throws(ModelSourceError) -> [String] {
    let (descriptor, copy) = try openForReading(path)
    defer {
      copy?.stop()
      close(descriptor)
    }
    var problems: [String] = []
    var counts: [String: Int] = [:]
    _ = try scan(descriptor: descriptor, path: path, copy: copy) {
      line, _, bytes throws(ModelSourceError) in
      do throws(ModelSourceError) {
        let exchange = try Self.exchange(bytes, path: path, line: line)
        let expected = counts[exchange.key] ?? 0
        counts[exchange.key] = expected + 1
        if let problem = CassetteVerification.problem(in: exchange, path: path) {
          problems.append("\(path):\(line): \(problem)")
        } else if exchange.n != expected {
          problems.append(
            "\(path):\(line): expected n \(expected) for key \(exchange.key), found \(exchange.n)")
        }
      } catch {
        problems.append(error.description)
      }
    }
    return problems
  }

  /// Rewrites the cassette at `path` atomically with every line's key set to the hash of
  /// its request under the current key scheme (`key_scheme` written) and `n` counted again
  /// in file order, after a deliberate edit or to lift key scheme 1 lines.
  ///
  /// - Returns: the number of lines whose key or `n` changed (a line only lifted from key
  ///   scheme 1 keeps both).
  /// - Throws: ``ModelSourceError/cassette(path:line:reason:)`` for a line that is not an
  ///   exchange or has an unknown field (the file is then unchanged);
  ///   ``ModelSourceError/cassetteUnwritable(path:reason:)`` when it cannot be written.
  @discardableResult
  public static func rekey(path: String) throws(ModelSourceError) -> Int {
    let (descriptor, copy) = try openForReading(path)
    defer {
      copy?.stop()
      close(descriptor)
    }
    var lines: [String] = []
    var counts: [String: Int] = [:]
    var changed = 0
    _ = try scan(descriptor: descriptor, path: path, copy: copy) {
      line, _, bytes throws(ModelSourceError) in
      var exchange = try Self.exchange(bytes, path: path, line: line)
      let key = CassetteKey.key(for: exchange.request)
      let n = counts[key] ?? 0
      counts[key] = n + 1
      if key != exchange.key || n != exchange.n { changed += 1 }
      exchange.key = key
      exchange.n = n
      exchange.keyScheme = CassetteKey.scheme
      lines.append(exchange.jsonLine)
    }
    do {
      try AtomicFile.write(to: path) { sink in
        if GzipFile.isGzip(path) {
          // One member for the whole file: the best compression.
          let text = Array(lines.map { $0 + "\n" }.joined().utf8)
          try sink(Data(try text.withUnsafeBufferPointer { try GzipFile.deflate($0) }))
        } else {
          for line in lines { try sink(Data((line + "\n").utf8)) }
        }
      }
    } catch {
      throw .cassetteUnwritable(path: path, reason: SystemReason.of(error))
    }
    return changed
  }

  /// A descriptor to read the lines of the cassette at `path` from: the file itself, or for
  /// a `.jsonl.gz` cassette an unlinked temporary file it is decompressed into (so that
  /// lines are read back by offset, and memory holds only the index).
  ///
  /// The decompression runs on a thread of its own (`copy`): the file is scanned as it
  /// grows, and is whole once a scan with `copy` has ended.
  private static func openForReading(_ path: String) throws(ModelSourceError)
    -> (descriptor: Int32, copy: InflatingCopy?)
  {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else {
      throw .cassette(
        path: path, line: nil,
        reason: "cannot read the file (\(String(cString: strerror(errno))))")
    }
    guard GzipFile.isGzip(path) else { return (descriptor, nil) }
    let plain: Int32
    do {
      plain = try temporaryFile(for: path)
    } catch {
      close(descriptor)
      throw error
    }
    return (plain, InflatingCopy(source: descriptor, target: plain))
  }

  /// A new temporary file for the decompressed lines of `path`, open for reading and
  /// writing and already unlinked, so that it goes when its descriptor is closed.
  private static func temporaryFile(for path: String) throws(ModelSourceError) -> Int32 {
    var template = Array(
      (NSTemporaryDirectory() as NSString).appendingPathComponent("refold-cassette-XXXXXX")
        .utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { buffer in
      buffer.baseAddress.map { mkstemp($0) } ?? -1
    }
    guard descriptor >= 0 else {
      throw .cassette(
        path: path, line: nil,
        reason:
          "cannot make a temporary file to decompress into (\(String(cString: strerror(errno))))")
    }
    template.withUnsafeBufferPointer { buffer in _ = buffer.baseAddress.map { unlink($0) } }
    return descriptor
  }

  /// Appends `line` to a `.jsonl.gz` cassette as a gzip member of its own (the file is a
  /// whole gzip file after every append) and to the decompressed copy `plain`; returns the
  /// line's offset in the copy.
  private static func appendCompressed(_ line: String, to path: String, plain: Int32)
    throws(ModelSourceError) -> Int64
  {
    let offset = Int64(lseek(plain, 0, SEEK_END))
    let member: [UInt8]
    do {
      member = try Array(line.utf8).withUnsafeBufferPointer { bytes throws(GzipFile.Failure) in
        try GzipFile.writeAll(bytes, to: plain)
        return try GzipFile.deflate(bytes)
      }
    } catch {
      throw .cassetteUnwritable(path: path, reason: error.reason)
    }
    _ = try append(Data(member), to: path)
    return offset
  }

  /// Every exchange in file order, read from the file.
  public func allExchanges() throws -> [Exchange] {
    try finishOpening()
    let path = self.path
    return try state.withLock { state throws(ModelSourceError) in
      guard state.descriptor >= 0 else { return [] }
      var all: [Exchange] = []
      _ = try Self.scan(descriptor: state.descriptor, path: path) {
        line, _, bytes throws(ModelSourceError) in
        let exchange = try Self.exchange(bytes, path: path, line: line)
        if let problem = CassetteVerification.problem(in: exchange, path: path) {
          throw .cassette(path: path, line: line, reason: problem)
        }
        all.append(exchange)
      }
      return all
    }
  }

  /// Appends `exchange` as a new line at the next `n` of its key, assigned under the lock.
  ///
  /// - Throws: ``ModelSourceError/cassetteUnwritable(path:reason:)`` when the file cannot be
  ///   written; ``ModelSourceError/cassette(path:line:reason:)`` when it cannot be read back.
  @discardableResult
  public func append(_ exchange: Exchange) throws(ModelSourceError) -> Exchange {
    try reading?.waitUntilDone()
    let path = self.path
    return try state.withLock { state throws(ModelSourceError) in
      var stored = exchange
      stored.n = state.byKey[exchange.key]?.count ?? 0
      let line = stored.jsonLine
      let offset: Int64
      if GzipFile.isGzip(path) {
        if state.descriptor < 0 { state.descriptor = try Self.temporaryFile(for: path) }
        offset = try Self.appendCompressed(line + "\n", to: path, plain: state.descriptor)
      } else {
        offset = try Self.append(line + "\n", to: path)
        if state.descriptor < 0 {
          state.descriptor = open(path, O_RDONLY | O_CLOEXEC)
          guard state.descriptor >= 0 else {
            throw .cassette(path: path, line: nil, reason: "cannot read the file back")
          }
        }
      }
      state.lines += 1
      // A line written here is the recorder's own: its key is its request's hash.
      state.byKey[exchange.key, default: []].append(
        Span(offset: offset, length: line.utf8.count, line: state.lines, verified: true))
      return stored
    }
  }

  /// What of a line to parse.
  private enum Parts {
    case whole
    /// Everything but the request, which becomes `null`.
    case withoutRequest
  }

  /// The key and n of a line, parsing nothing else.
  private static func keyAndN(_ bytes: UnsafeBufferPointer<UInt8>, path: String, line: Int)
    throws(ModelSourceError) -> (key: String, n: Int)
  {
    do {
      let members = try CassetteLine(bytes, until: ["key", "n"])
      guard let range = members.range(of: "key"),
        let key = try JSONParser.parse(bytes: UnsafeBufferPointer(rebasing: bytes[range]))
          .stringValue
      else {
        throw ExchangeLineError("missing key")
      }
      guard let range = members.range(of: "n"),
        let n = try JSONParser.parse(bytes: UnsafeBufferPointer(rebasing: bytes[range])).intValue,
        n >= 0
      else {
        throw ExchangeLineError("missing n")
      }
      return (key, n)
    } catch let error as ExchangeLineError {
      throw .cassette(path: path, line: line, reason: error.reason)
    } catch {
      throw .cassette(path: path, line: line, reason: "invalid JSON (\(error))")
    }
  }

  /// Parses one line into an exchange.
  private static func exchange(
    _ bytes: UnsafeBufferPointer<UInt8>, path: String, line: Int, parts: Parts = .whole
  ) throws(ModelSourceError) -> Exchange {
    guard parts == .whole else {
      return try answer(bytes, path: path, line: line).exchange
    }
    let value: JSONValue
    do {
      value = try JSONParser.parse(bytes: bytes)
    } catch {
      throw .cassette(path: path, line: line, reason: "invalid JSON (\(error))")
    }
    return try exchange(value, path: path, line: line)
  }

  /// The exchange of a line without its request (`request` is `null`), and where the
  /// request's bytes are in the line (nil when it has none): the line is split once.
  ///
  /// With `asked` (the asked request's canonical length at the start of a value, as
  /// ``answers(forKey:needing:request:)`` takes it), a request that starts with the asked
  /// request's bytes and ends right after them is stepped over without being read, and
  /// `askedRequest` is true.
  private static func answer(
    _ bytes: UnsafeBufferPointer<UInt8>, path: String, line: Int,
    asked: ((UnsafeBufferPointer<UInt8>) -> Int?)? = nil
  ) throws(ModelSourceError) -> (exchange: Exchange, request: Range<Int>?, askedRequest: Bool) {
    var members: [String: JSONValue] = [:]
    var request: Range<Int>?
    let split: CassetteLine
    do {
      split = try CassetteLine(bytes, known: asked.map { ("request", $0) })
    } catch {
      throw .cassette(path: path, line: line, reason: "invalid JSON (\(error))")
    }
    members.reserveCapacity(split.members.count)
    do {
      for member in split.members {
        if member.name == "request" {
          members[member.name] = .null
          request = member.value
          continue
        }
        do throws(JSONParser.Failure) {
          members[member.name] = try JSONParser.parse(
            bytes: UnsafeBufferPointer(rebasing: bytes[member.value]))
        } catch {
          // Columns count from the start of the line.
          throw CassetteLine.Invalid(
            column: error.column + member.value.lowerBound, reason: error.reason)
        }
      }
    } catch {
      throw .cassette(path: path, line: line, reason: "invalid JSON (\(error))")
    }
    return (try exchange(.object(members), path: path, line: line), request, split.knownMatched)
  }

  /// The exchange a line's parsed value holds.
  private static func exchange(_ value: JSONValue, path: String, line: Int)
    throws(ModelSourceError) -> Exchange
  {
    if let names = value.objectValue?.keys,
      let reason = CassetteVerification.unknownField(in: names, path: path)
    {
      throw .cassette(path: path, line: line, reason: reason)
    }
    do {
      return try Exchange(jsonValue: value)
    } catch {
      throw .cassette(path: path, line: line, reason: error.reason)
    }
  }

  /// Reads back the line at `span`.
  private static func read(_ span: Span, descriptor: Int32, path: String, parts: Parts)
    throws(ModelSourceError) -> Exchange
  {
    let buffer = try lineBytes(span, descriptor: descriptor, path: path)
    return try buffer.withUnsafeBufferPointer { bytes throws(ModelSourceError) in
      try exchange(bytes, path: path, line: span.line, parts: parts)
    }
  }

  /// The bytes of the line at `span`, read from the file.
  private static func lineBytes(_ span: Span, descriptor: Int32, path: String)
    throws(ModelSourceError) -> [UInt8]
  {
    var complete = true
    // Not zero-filled first: every byte is read from the file, or the line is refused.
    let buffer = [UInt8](unsafeUninitializedCapacity: span.length) { raw, count in
      var done = 0
      while done < span.length {
        let got = pread(
          descriptor, raw.baseAddress.map { $0 + done }, span.length - done,
          off_t(span.offset) + off_t(done))
        if got < 0, errno == EINTR { continue }
        guard got > 0 else { break }
        done += got
      }
      complete = done == span.length
      count = done
    }
    guard complete else {
      throw .cassette(path: path, line: span.line, reason: "cannot read the line back")
    }
    return buffer
  }

  /// Scans the file and hands each line's key, `n` and place to `add`; returns the number
  /// of lines (blank ones included).
  private static func index(
    descriptor: Int32, path: String, copy: InflatingCopy?,
    _ add: (String, Int, Span) throws(ModelSourceError) -> Void
  ) throws(ModelSourceError) -> Int {
    try scan(descriptor: descriptor, path: path, copy: copy) {
      line, offset, bytes throws(ModelSourceError) in
      let (key, n) = try Self.keyAndN(bytes, path: path, line: line)
      try add(key, n, Span(offset: offset, length: bytes.count, line: line))
    }
  }

  /// Streams the file from the start in chunks and calls `body` with each non-blank line
  /// (its 1-based number, byte offset and bytes, without the newline); returns the number
  /// of lines (blank ones included).
  ///
  /// With `copy`, the file is the copy's target: each read waits for the bytes it reads,
  /// and the copy's failure is thrown once the bytes written before it are scanned.
  private static func scan(
    descriptor: Int32, path: String, copy: InflatingCopy? = nil,
    _ body: (Int, Int64, UnsafeBufferPointer<UInt8>) throws(ModelSourceError) -> Void
  ) throws(ModelSourceError) -> Int {
    let chunkSize = 1 << 20
    let limit = InputLimits.current
    var pending: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    var fileOffset: Int64 = 0
    /// File offset of `pending[0]`.
    var pendingOffset: Int64 = 0
    var line = 0
    func emit(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int64) throws(ModelSourceError) {
      line += 1
      guard bytes.count <= limit.maxLineBytes + 1 else {
        throw .cassette(path: path, line: line, reason: limit.lineTooLong)
      }
      let blank = bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
      if !blank { try body(line, offset, bytes) }
    }
    while true {
      var wanted = chunkSize
      if let copy {
        let readable = copy.readable(from: fileOffset)
        if readable == 0 {
          if let failure = copy.failure {
            throw .cassette(path: path, line: nil, reason: failure)
          }
          break
        }
        wanted = Int(min(Int64(chunkSize), readable))
      }
      let got = chunk.withUnsafeMutableBytes { raw in
        pread(descriptor, raw.baseAddress, wanted, off_t(fileOffset))
      }
      if got < 0, errno == EINTR { continue }
      guard got >= 0 else {
        throw .cassette(
          path: path, line: nil,
          reason: "cannot read the file (\(String(cString: strerror(errno))))")
      }
      if got == 0 { break }
      let chunkStart = fileOffset
      fileOffset += Int64(got)
      var start = 0
      try chunk.withUnsafeBufferPointer { buffer throws(ModelSourceError) in
        guard let base = buffer.baseAddress else { return }
        while start < got, let found = memchr(base + start, 0x0A, got - start) {
          let index = base.distance(to: UnsafePointer(found.assumingMemoryBound(to: UInt8.self)))
          if pending.isEmpty {
            try emit(
              UnsafeBufferPointer(rebasing: buffer[start..<index]),
              at: chunkStart + Int64(start))
          } else {
            pending += buffer[start..<index]
            try pending.withUnsafeBufferPointer { whole throws(ModelSourceError) in
              try emit(whole, at: pendingOffset)
            }
            pending.removeAll(keepingCapacity: true)
          }
          start = index + 1
        }
        if start < got {
          if pending.isEmpty { pendingOffset = chunkStart + Int64(start) }
          // A partial line already over the limit is refused before it is kept.
          guard pending.count + (got - start) <= limit.maxLineBytes + 1 else {
            throw .cassette(path: path, line: line + 1, reason: limit.lineTooLong)
          }
          pending += buffer[start..<got]
        }
      }
    }
    // The text after the last newline is a line too.
    if !pending.isEmpty {
      try pending.withUnsafeBufferPointer { whole throws(ModelSourceError) in
        try emit(whole, at: pendingOffset)
      }
    }
    return line
  }

  /// Appends `line` at the end of the file and returns the offset it was written at.
  private static func append(_ line: String, to path: String) throws(ModelSourceError) -> Int64 {
    try append(Data(line.utf8), to: path)
  }

  /// Appends `bytes` at the end of the file and returns the offset they were written at.
  private static func append(_ bytes: Data, to path: String) throws(ModelSourceError) -> Int64 {
    let manager = FileManager.default
    let directory = (path as NSString).deletingLastPathComponent
    do {
      if !directory.isEmpty, !manager.fileExists(atPath: directory) {
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
      }
      if !manager.fileExists(atPath: path) {
        guard manager.createFile(atPath: path, contents: nil) else {
          throw ExchangeLineError("cannot create the file")
        }
      }
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
      defer { try? handle.close() }
      let offset = try handle.seekToEnd()
      try handle.write(contentsOf: bytes)
      try handle.synchronize()
      return Int64(offset)
    } catch let error as ExchangeLineError {
      throw .cassetteUnwritable(path: path, reason: error.reason)
    } catch {
      throw .cassetteUnwritable(path: path, reason: "cannot append (\(SystemReason.of(error)))")
    }
  }
}
