import RefoldCore

/// Why a model source could not answer: a cassette miss, an unreachable endpoint, an HTTP
/// failure, a timeout, or an unreadable cassette.
///
/// These are failures of the source, not of the model's output (which decodes to a
/// `Decision.Outcome.failure`); the command layer exits with status 3 for them, except as
/// ``exitStatus`` says.
public enum ModelSourceError: RefoldError, Sendable, Hashable {
  /// No recorded exchange answers the request. `diff` shows how the nearest recorded request
  /// differs (empty when the cassette is empty).
  case cassetteMiss(key: String, thread: String?, detail: String, diff: String)
  /// The endpoint could not be reached (connection refused, DNS, TLS).
  case unreachable(url: String, reason: String, attempts: Int)
  /// The endpoint kept answering with an error status.
  case httpStatus(url: String, status: Int, body: String, attempts: Int)
  /// No answer arrived in time.
  case timeout(url: String, seconds: Double, attempts: Int)
  /// The endpoint answered with something that is not a JSON object.
  case invalidResponse(url: String, reason: String)
  /// The spec names an API key variable that is not set; `place` is where the spec names it
  /// (`agent.yaml:7: model.api_key_env`).
  case missingAPIKey(variable: String, place: String? = nil)
  /// A cassette file could not be read or written, or a line in it is invalid.
  case cassette(path: String, line: Int?, reason: String)
  /// The cassette file cannot be created or appended to.
  case cassetteUnwritable(path: String, reason: String)

  public var description: String {
    switch self {
    case .cassetteMiss(let key, let thread, let detail, let diff):
      let on = thread.map { " (thread \($0))" } ?? ""
      let head = "cassette miss for key \(key)\(on): \(detail)"
      return diff.isEmpty ? head : head + "\n" + diff
    case .unreachable(let url, let reason, let attempts):
      return "cannot reach \(url) after \(attempts) attempt(s): \(reason)"
    case .httpStatus(let url, let status, let body, let attempts):
      return "\(url) answered HTTP \(status) after \(attempts) attempt(s): \(body)"
    case .timeout(let url, let seconds, let attempts):
      return "\(url) did not answer within \(seconds) s (\(attempts) attempt(s))"
    case .invalidResponse(let url, let reason):
      return "\(url) answered with an invalid response: \(reason)"
    case .missingAPIKey(let variable, let place):
      return (place.map { $0 + ": " } ?? "")
        + "the API key variable \(variable) is not set in the environment"
    case .cassette(let path, let line, let reason):
      return "cassette \(path)\(line.map { ":\($0)" } ?? ""): \(reason)"
    case .cassetteUnwritable(let path, let reason):
      return "cassette \(path): \(reason)"
    }
  }

  /// The model source failed (3); a cassette that cannot be written is the environment (4);
  /// an API key variable the spec names but the environment lacks is the caller's input (2).
  public var exitStatus: ExitStatus {
    if case .cassetteUnwritable = self { return .environment }
    if case .missingAPIKey = self { return .invalidInput }
    return .sourceFailed
  }
}
