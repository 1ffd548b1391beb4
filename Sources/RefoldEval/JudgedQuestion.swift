import RefoldCore

/// One parameter a `judge` or `similar` matcher must be asked about: the matcher and the
/// golden and actual values at its path.
public struct JudgedQuestion: Sendable, Hashable {
  public var path: String
  public var matcher: ParameterMatcher
  public var expected: JSONValue?
  public var actual: JSONValue?

  public init(path: String, matcher: ParameterMatcher, expected: JSONValue?, actual: JSONValue?) {
    self.path = path
    self.matcher = matcher
    self.expected = expected
    self.actual = actual
  }
}
