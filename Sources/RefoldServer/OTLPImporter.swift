import Foundation
import RefoldCore
import RefoldModels
import RefoldShared

/// Reads OTLP JSON exports (traces, logs, or both) that follow the OpenTelemetry GenAI
/// semantic conventions and turns each conversation into a thread and each model call into
/// an exchange.
///
/// Spans are taken from `resourceSpans[].scopeSpans[].spans[]` and log records from
/// `resourceLogs[].scopeLogs[].logRecords[]`, of every file given together. A log record
/// joins the span its `spanId` names (a record whose span is not in the export makes up a
/// call of its own): `gen_ai.client.inference.operation.details` lends the span its
/// attributes, messages included; the other GenAI events (`gen_ai.user.message`,
/// `gen_ai.choice`, …) become span events with their body. A span is a model call when it
/// carries GenAI attributes (`gen_ai.operation.name` of `chat`, `text_completion` or
/// `generate_content`, or recorded messages). Its messages come from, in this order:
/// - current attributes: `gen_ai.input.messages` / `gen_ai.output.messages` (JSON text or
///   structured values, messages with `parts`: `text`, `tool_call`, `tool_call_response`);
/// - deprecated attributes: `gen_ai.prompt.N.role|content|tool_call_id`,
///   `gen_ai.completion.N.role|content`, `gen_ai.completion.N.tool_calls.M.name|arguments|id`;
/// - deprecated events: `gen_ai.system.message`, `gen_ai.user.message`,
///   `gen_ai.assistant.message`, `gen_ai.tool.message`, `gen_ai.choice` (content in
///   `content`, `tool_calls`, `id`, `message` or a JSON `gen_ai.event.content` attribute), and
///   `gen_ai.content.prompt` / `gen_ai.content.completion` (`gen_ai.prompt` /
///   `gen_ai.completion` as JSON).
///
/// Calls are ordered by start time and grouped into threads by, in this order: the
/// `gen_ai.conversation.id` of the span or of an enclosing span; the trace, when the span has
/// a parent (the application's own span around its calls); a session attribute
/// (`session.id`, Traceloop's `traceloop.association.properties.session_id`) of a root span;
/// else the call's history: a call whose input begins with a thread's last call (its input
/// and answer) and adds to it goes on with that thread, any other starts a thread named after
/// its trace id. The first call of a trace is joined to a thread by its history the same way.
///
/// In each thread: a system message becomes `user_input {text, role: "system"}`, a user
/// message `user_input {text}`, a tool call a decision named after the tool with its
/// arguments, a tool result `<tool>_result` (its JSON object, or `{"result": …}`), a text
/// answer without tool calls `done_for_now {message}`. Only messages a call adds to the
/// history are taken, so the history repeated in every call appears once. Each call becomes
/// an exchange (an OpenAI chat request rebuilt from the span with its tool definitions, the
/// response with each choice's finish reason, usage from `gen_ai.usage.input_tokens` /
/// `output_tokens` or the deprecated `prompt_tokens` / `completion_tokens`, latency from the
/// span's duration) and its decisions carry `meta.exchange_key` and `meta.exchange_n`.
/// Events carry ids derived from the span ids, so importing the same files twice adds
/// nothing; everything is stored in one transaction.
public struct OTLPImporter: Sendable {
  public init() {}

  /// What a file holds, before it is stored.
  public struct Result: Sendable, Hashable {
    /// Event lines by thread, in thread order of first appearance.
    public var threads: [(id: String, lines: [EventLine])] {
      order.map { ($0, lines[$0] ?? []) }
    }
    public var order: [String] = []
    public var lines: [String: [EventLine]] = [:]
    public var exchanges: [Exchange] = []
    /// Spans and log records read, spans that were model calls, and calls that recorded
    /// no messages (content capture off, or their log records not imported with them).
    public var spans = 0
    public var logRecords = 0
    public var modelCalls = 0
    public var withoutContent = 0
  }

  /// Parses the OTLP JSON file at `path`.
  ///
  /// - Throws: ``ServerError/invalidOTLP(file:reason:)``.
  public func parse(file path: String) throws(ServerError) -> Result {
    try parse(files: [path])
  }

  /// Parses OTLP JSON files that belong together (traces in one, their logs in another):
  /// log records join the spans they name, whichever file holds them.
  ///
  /// - Throws: ``ServerError/invalidOTLP(file:reason:)`` for the first file that cannot be
  ///   read or is not an OTLP JSON export.
  public func parse(files paths: [String]) throws(ServerError) -> Result {
    var documents: [(JSONValue, String)] = []
    for path in paths { documents.append((try Self.read(path), path)) }
    return try parse(documents: documents)
  }

  /// Parses one OTLP JSON document (`{"resourceSpans": […]}`, `{"resourceLogs": […]}` or
  /// both).
  public func parse(_ root: RefoldCore.JSONValue, file: String) throws(ServerError) -> Result {
    try parse(documents: [(root, file)])
  }

  static func read(_ path: String) throws(ServerError) -> JSONValue {
    let limit = InputLimits.current
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    guard size <= limit.maxLineBytes else {
      throw .invalidOTLP(
        file: path,
        reason: "the file is larger than the limit of "
          + "\(InputLimits.describe(limit.maxLineBytes)) (REFOLD_MAX_LINE_BYTES raises it)")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .invalidOTLP(file: path, reason: "cannot read the file")
    }
    do {
      return try JSONParser.parse(bytes: [UInt8](data))
    } catch {
      throw .invalidOTLP(file: path, reason: "not JSON (\(error))")
    }
  }

  func parse(documents: [(root: JSONValue, file: String)]) throws(ServerError) -> Result {
    var spans: [Span] = []
    var records: [LogRecord] = []
    for (root, file) in documents {
      let resourceSpans = root["resourceSpans"]
      let resourceLogs = root["resourceLogs"]
      guard resourceSpans != nil || resourceLogs != nil else {
        throw .invalidOTLP(
          file: file, reason: "no resourceSpans or resourceLogs: not an OTLP JSON export")
      }
      if let resourceSpans, resourceSpans.arrayValue == nil {
        throw .invalidOTLP(file: file, reason: "resourceSpans is not a list")
      }
      if let resourceLogs, resourceLogs.arrayValue == nil {
        throw .invalidOTLP(file: file, reason: "resourceLogs is not a list")
      }
      for resource in resourceSpans?.arrayValue ?? [] {
        let scopes =
          resource["scopeSpans"]?.arrayValue
          ?? resource["instrumentationLibrarySpans"]?.arrayValue ?? []
        for scope in scopes {
          for span in scope["spans"]?.arrayValue ?? [] { spans.append(Span(span)) }
        }
      }
      for resource in resourceLogs?.arrayValue ?? [] {
        let scopes =
          resource["scopeLogs"]?.arrayValue
          ?? resource["instrumentationLibraryLogs"]?.arrayValue ?? []
        for scope in scopes {
          for record in scope["logRecords"]?.arrayValue ?? [] {
            records.append(LogRecord(record))
          }
        }
      }
    }
    var result = Result()
    result.spans = spans.count
    result.logRecords = records.count
    // Log records join their span; those whose span is not in the export make up one.
    var index: [String: Int] = [:]
    for (position, span) in spans.enumerated() where !span.spanID.isEmpty {
      index[span.spanID] = position
    }
    for record in records where record.isGenAI {
      if let position = index[record.spanID] {
        spans[position].attach(record)
      } else {
        var made = Span(record: record)
        made.attach(record)
        index[record.spanID] = spans.count
        spans.append(made)
      }
    }
    let calls = spans.filter(\.isModelCall).sorted { ($0.start, $0.spanID) < ($1.start, $1.spanID) }
    result.modelCalls = calls.count
    var builders: [ThreadBuilder] = []
    var builderOf: [String: Int] = [:]
    var threadOfTrace: [String: String] = [:]
    for call in calls {
      let (input, output) = call.messages()
      if input.isEmpty && output.isEmpty { result.withoutContent += 1 }
      let thread: String
      if let named = Self.conversationID(of: call, spans: spans, index: index) {
        thread = named
      } else if let known = threadOfTrace[call.traceID], !call.parentSpanID.isEmpty {
        thread = known
      } else if call.parentSpanID.isEmpty, let session = Self.sessionID(of: call) {
        thread = session
      } else {
        // The first call of a trace, or a root call: it goes on with the conversation whose
        // last call its input begins with, else starts one named after its trace.
        thread = builders.last { $0.isContinued(by: input) }?.thread ?? call.traceID
        if !call.parentSpanID.isEmpty { threadOfTrace[call.traceID] = thread }
      }
      let position = builderOf[thread] ?? builders.count
      if position == builders.count {
        builderOf[thread] = position
        builders.append(ThreadBuilder(thread: thread))
        result.order.append(thread)
      }
      builders[position].add(call)
    }
    for builder in builders {
      result.lines[builder.thread] = builder.lines
      result.exchanges += builder.exchanges
    }
    return result
  }

  /// The `gen_ai.conversation.id` of a call's span (or of the span's log records), else of
  /// the nearest enclosing span that has one.
  static func conversationID(of call: Span, spans: [Span], index: [String: Int]) -> String? {
    var current: Span? = call
    var seen: Set<String> = []
    while let span = current, seen.insert(span.spanID).inserted {
      if let id = span.attributes["gen_ai.conversation.id"]?.stringValue, !id.isEmpty {
        return id
      }
      current = index[span.parentSpanID].map { spans[$0] }
    }
    return nil
  }

  /// A session attribute of a call's span: `session.id`, else Traceloop's
  /// `traceloop.association.properties.session_id`.
  static func sessionID(of call: Span) -> String? {
    for key in ["session.id", "traceloop.association.properties.session_id"] {
      if let id = call.attributes[key]?.stringValue, !id.isEmpty { return id }
    }
    return nil
  }

  /// What an import stored.
  public struct Summary: Sendable, Hashable {
    public var threads: Int
    public var written: Int
    public var skipped: Int
    public var exchanges: Int
    public var modelCalls: Int
    /// Model calls that recorded no messages.
    public var withoutContent: Int
  }

  /// Parses the files at `paths` together and stores their threads and exchanges.
  public func importFiles(_ paths: [String], into store: any RecordingStore) throws -> Summary {
    try self.store(parse(files: paths), into: store)
  }

  /// Stores the threads and exchanges of parsed files in one transaction: all of them, or
  /// nothing when anything fails.
  ///
  /// An exchange already stored for the same span is not stored again and its events are
  /// skipped by id, so storing the same files again adds nothing; identical calls of
  /// different spans get the next `n` of their key each.
  public func store(_ result: Result, into store: any RecordingStore) throws -> Summary {
    let recorded = try store.record(result.exchanges, identity: "span_id") { stored in
      var occurrence: [String: Int] = [:]
      for exchange in stored {
        if let span = exchange.meta?["span_id"]?.stringValue { occurrence[span] = exchange.n }
      }
      var lines: [EventLine] = []
      for (_, threadLines) in result.threads {
        for var line in threadLines {
          if var meta = line.meta?.objectValue, meta["exchange_key"] != nil,
            let span = meta["span_id"]?.stringValue, let n = occurrence[span]
          {
            meta["exchange_n"] = .int(Int64(n))
            line.meta = .object(meta)
          }
          lines.append(line)
        }
      }
      return lines
    }
    return Summary(
      threads: result.order.count, written: recorded.events.written.count,
      skipped: recorded.events.skipped, exchanges: recorded.newExchanges,
      modelCalls: result.modelCalls, withoutContent: result.withoutContent)
  }
}
