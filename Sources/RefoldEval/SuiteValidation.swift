/// What ``SuiteValidator`` found in a suite: errors that stop it from running, and
/// warnings it runs with.
public struct SuiteValidation: Sendable, Hashable {
  public var errors: [SuiteError]
  public var warnings: [SuiteError]

  public init(errors: [SuiteError] = [], warnings: [SuiteError] = []) {
    self.errors = errors
    self.warnings = warnings
  }

  /// Throws every error at once, when there is any.
  public func check() throws(SuiteProblems) {
    if !errors.isEmpty { throw SuiteProblems(errors) }
  }
}
