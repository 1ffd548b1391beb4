import ArgumentParser
import RefoldCore
import RefoldEval
import RefoldModels

/// `refold context THREAD --at STEP`: exactly what the agent is asked at a decision point.
///
/// For an agent spec, the request body as a replay sends it (built by the same
/// `RequestBuilder`, so its cassette key is the one `refold eval` looks up): the rendered
/// prompt and thread, the tools, the output schema, the sampling. For an external agent, the
/// `refold.next-step/v1` request line it is sent.
struct ContextCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "context",
    abstract: "Print exactly what the agent is asked at a decision point.",
    discussion: """
      THREAD is a thread in the store, a golden thread of --suite, or an event JSONL file. \
      Steps are the thread's decision points from 0, as in case ids (deploy-001#2). --set, \
      --drop and --insert-after edit the events before the step first (nothing is stored). \
      Exit codes: 0 printed; 2 an unknown thread, a step out of range or a bad edit.
      """)

  @OptionGroup var options: OnCallOptions

  func run() throws {
    let target = try options.target()
    let output = CLIContext.current.stdout
    var documents: [JSONValue] = []
    for (index, variant) in target.variants.enumerated() {
      let probe = try target.probe(for: variant)
      let document = try Self.document(target: target, variant: variant, probe: probe)
      if options.json {
        documents.append(document)
        continue
      }
      if index > 0 { output.line() }
      for line in Self.describe(document, heading: target.heading(probe)) { output.line(line) }
    }
    if options.json {
      output.line(JSONText.pretty(documents.count == 1 ? documents[0] : .array(documents)))
    }
  }

  /// What `variant`'s agent is asked, as the JSON `--json` prints.
  static func document(target: OnCallTarget, variant: Variant, probe: DecisionProbe) throws
    -> JSONValue
  {
    var members: [String: JSONValue] = [
      "thread": .string(probe.thread), "step": .int(Int64(probe.point.step)),
      "seq": .int(Int64(probe.point.seq)), "variant": .string(variant.name),
      "recorded": .object([
        "intent": .string(probe.point.intent.name), "params": probe.point.intent.parameters,
      ]),
      "events": .int(Int64(probe.context.count)),
    ]
    if let agent = target.suite.externalAgent(for: variant) {
      let vocabulary = target.suite.spec(for: variant).vocabulary
      let request = NextStepProtocol.request(
        suite: target.suite.name, variant: variant.name, thread: probe.thread,
        step: ExternalAgentDecider.step(after: probe.context, vocabulary: vocabulary),
        events: probe.context)
      members["agent"] = "external"
      switch agent.endpoint {
      case .command(let command):
        members["command"] = .array(command.map(JSONValue.string))
      case .url(let url):
        members["url"] = .string(url)
      }
      members["request"] = request
      members["line"] = .string(request.canonicalString)
    } else {
      let spec = target.suite.spec(for: variant)
      let request = try RequestBuilder(spec: spec).request(
        thread: probe.thread, events: probe.context)
      members["agent"] = "spec"
      members["provider"] = .string(spec.model.provider.rawValue)
      members["model"] = .string(spec.model.name)
      members["key"] = .string(request.key)
      members["request"] = request.body
      members["rendered"] = .string(request.renderedContext)
    }
    return .object(members)
  }

  /// The document as readable text: a heading, then the prompt as rendered and the rest of
  /// the request, or the next-step request and the exact line sent.
  static func describe(_ document: JSONValue, heading: String) -> [String] {
    let variant = document["variant"]?.stringValue ?? ""
    let recorded = document["recorded"].map {
      "\($0["intent"]?.stringValue ?? "") \($0["params"]?.canonicalString ?? "{}")"
    }
    var lines: [String] = []
    if document["agent"]?.stringValue == "external" {
      let endpoint =
        document["command"]?.arrayValue?.compactMap(\.stringValue).joined(separator: " ")
        ?? document["url"]?.stringValue ?? ""
      lines.append("context \(heading) · variant \(variant) · agent \(endpoint)")
      lines.append("recorded decision: \(recorded ?? "")")
      lines.append("── next-step request ──")
      lines.append(JSONText.pretty(document["request"] ?? .null))
      lines.append("── the line sent ──")
      lines.append(document["line"]?.stringValue ?? "")
      return lines
    }
    let model = document["model"]?.stringValue ?? ""
    let provider = document["provider"]?.stringValue ?? ""
    lines.append("context \(heading) · variant \(variant) · model \(model) (\(provider))")
    lines.append("recorded decision: \(recorded ?? "")")
    lines.append("cassette key: \(document["key"]?.stringValue ?? "")")
    lines.append("── prompt and thread, as rendered ──")
    lines.append(document["rendered"]?.stringValue ?? "")
    var rest = document["request"]?.objectValue ?? [:]
    rest.removeValue(forKey: "messages")
    rest.removeValue(forKey: "system")
    lines.append("── the rest of the request (tools, output schema, sampling) ──")
    lines.append(JSONText.pretty(.object(rest)))
    return lines
  }
}
