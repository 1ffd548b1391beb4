import RefoldCore

/// The real ``Decider``: renders the thread and the prompt, builds the request, asks the
/// model source, and decodes the answer into an intent.
///
/// Variants (another prompt, context format, model or output mode) are applied to the
/// ``AgentSpec`` before the decider is made.
///
/// ```swift
/// let spec = try AgentSpecLoader().load(path: "evals/deploybot/agent.yaml")
/// let decider = try ModelDecider(spec: spec, source: RecordedModelSource(cassette: cassette))
/// let decision = try await decider.decide(thread: "deploy-001", events: events)
/// ```
public struct ModelDecider: Decider {
  public let spec: AgentSpec
  public let source: any ModelSource
  public let builder: RequestBuilder
  public let decoder: ResponseDecoder

  /// Prepares a decider; the spec's prompt template is checked here.
  ///
  /// - Throws: ``AgentSpecError`` when the template is invalid.
  public init(spec: AgentSpec, source: any ModelSource) throws(AgentSpecError) {
    self.spec = spec
    self.source = source
    self.builder = try RequestBuilder(spec: spec)
    self.decoder = ResponseDecoder(spec: spec)
  }

  /// The decision after `events`.
  ///
  /// - Throws: ``ModelSourceError`` when the source cannot answer, ``AgentSpecError`` when
  ///   the template cannot be rendered. An answer that is not a valid intent is returned as
  ///   ``Decision/Outcome/failure(_:)``, not thrown.
  private init(
    spec: AgentSpec, source: any ModelSource, builder: RequestBuilder, decoder: ResponseDecoder
  ) {
    self.spec = spec
    self.source = source
    self.builder = builder
    self.decoder = decoder
  }

  /// A decider over a fresh session of the source (see ``Decider/session()``).
  public func session() -> any Decider {
    ModelDecider(spec: spec, source: source.session(), builder: builder, decoder: decoder)
  }

  public func finishOpening() throws { try source.finishOpening() }

  public func decide(thread: String, events: [Event]) async throws -> Decision {
    let request = try builder.request(thread: thread, events: events)
    let response = try await source.respond(to: request)
    return Decision(
      outcome: decoder.decode(response.body), exchangeKey: response.key, usage: response.usage,
      latencyMilliseconds: response.latencyMilliseconds,
      renderedContext: request.renderedContext, rawResponse: response.body)
  }
}
