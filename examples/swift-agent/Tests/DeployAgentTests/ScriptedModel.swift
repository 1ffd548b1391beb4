import Foundation
import RefoldTesting

/// A scripted stand-in for a model, served by RefoldTesting's `ProviderServer`: it reads the
/// thread in the prompt and answers the deploy bot's next step with fixed rules.
///
/// It is what the committed cassette was recorded from (see `RecordCassetteTests`), and what
/// the agent loop test talks to. It is not a model: swap in yours to record real answers.
enum ScriptedModel {
  /// Starts the server on 127.0.0.1 (an ephemeral port).
  static func start() async throws -> ProviderServer {
    try await ProviderServer { _, request in
      .json(ProviderResponses.openAIToolCall(name: "next_step", arguments: answer(request)))
    }
  }

  /// The `next_step` arguments for the thread in `request`'s prompt.
  static func answer(_ request: ProviderRequest) -> String {
    let text = request.text
    let thread = text.range(of: "The thread so far:").map { String(text[$0.upperBound...]) } ?? ""
    let tag = thread.range(of: #"v[0-9]+\.[0-9]+\.[0-9]+"#, options: .regularExpression)
      .map { String(thread[$0]) }
    if thread.contains("<deploy_backend_result>") {
      return #"{"intent":"done_for_now","message":"Deployed."}"#
    }
    if thread.contains("approved: false"), let tag {
      return #"{"intent":"deploy_backend","tag":"\#(tag)","environment":"staging"}"#
    }
    if thread.contains("<list_git_tags_result>"), let tag {
      let environment = thread.contains("staging") ? "staging" : "production"
      return #"{"intent":"deploy_backend","tag":"\#(tag)","environment":"\#(environment)"}"#
    }
    if let tag {
      let environment = thread.contains("prod") ? "production" : "staging"
      return #"{"intent":"deploy_backend","tag":"\#(tag)","environment":"\#(environment)"}"#
    }
    return #"{"intent":"list_git_tags"}"#
  }
}
