import RefoldCore

/// A scripted tool failure for loop mode: the first `fails` calls of `intent` (whose
/// parameters contain `parameters`, when given) fail with `message` before the recording
/// answers.
public struct ToolFault: Sendable, Hashable {
  public var intent: String
  public var fails: Int
  public var message: String
  public var parameters: JSONValue?

  public init(intent: String, fails: Int, message: String, parameters: JSONValue? = nil) {
    self.intent = intent
    self.fails = fails
    self.message = message
    self.parameters = parameters
  }

  /// Whether a call is one this fault applies to.
  public func applies(to call: Intent) -> Bool {
    guard call.name == intent else { return false }
    guard let parameters else { return true }
    return ParameterMatcher.contains(call.parameters, parameters)
  }
}
