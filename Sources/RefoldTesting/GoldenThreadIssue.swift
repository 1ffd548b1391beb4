/// One problem a golden-thread run found, as it is recorded as a Swift Testing issue.
public struct GoldenThreadIssue: Sendable, Hashable, CustomStringConvertible {
  /// What kind of problem.
  public enum Kind: String, Sendable, Hashable {
    /// A case whose decision or behaviour did not match the golden thread.
    case failingCase = "failing_case"
    /// A decision the model source could not answer (a cassette miss, an unreachable
    /// endpoint).
    case sourceError = "source_error"
    /// The pass rate fell below the minimum asked for.
    case belowMinimumPassRate = "below_minimum_pass_rate"
  }

  public var kind: Kind
  /// The case's id (`thread#k`, `thread@loop`); nil for the pass rate.
  public var caseID: String?
  /// The variant the case ran in.
  public var variant: String?
  /// What a developer reads: the case, what was expected, what came, and where they differ.
  public var message: String

  public init(kind: Kind, caseID: String?, variant: String?, message: String) {
    self.kind = kind
    self.caseID = caseID
    self.variant = variant
    self.message = message
  }

  public var description: String { message }
}
